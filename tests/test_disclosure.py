"""Disclosure control of the Panel's dataset (indicators.md, "Disclosure control";
pipelines/publish/disclosure.py; docs/decisions/0007-disclosure-control.md)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import polars as pl
import pytest

from helpers import query
from pipelines.indicators.compute import COLUMNS
from pipelines.publish.disclosure import CELL_KEY, PROTECT, SMALL_NUMBER, apply_disclosure_control, suppressed_cells
from pipelines.publish.panel import disclosure_controlled, panel_rows

FY = dt.date(2009, 4, 1)
QUARTERS = [dt.date(2009, 4, 1), dt.date(2009, 7, 1), dt.date(2009, 10, 1), dt.date(2010, 1, 1)]
LONDON = ("london", "E12000007")
UNITS = {
    "police_recorded_crimes": "count",
    "police_withdrawal_rate": "percent",
    "havens_attendances": "count",
    "services_new_referrals": "count",
    "services_waiting_list": "count",
    "police_charge_rate": "percent",
}
SCHEMA = {
    "indicator_id": pl.Utf8,
    "indicator_name": pl.Utf8,
    "category": pl.Utf8,
    "period_type": pl.Utf8,
    "period": pl.Utf8,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "geography_type": pl.Utf8,
    "geography_code": pl.Utf8,
    "geography_name": pl.Utf8,
    "breakdown": pl.Utf8,
    "breakdown_value": pl.Utf8,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "unit": pl.Utf8,
    "ci_lower": pl.Float64,
    "ci_upper": pl.Float64,
    "comparison": pl.Utf8,
    "suppressed": pl.Boolean,
    "note": pl.Utf8,
}


def r(
    indicator,
    n,
    d=None,
    *,
    category="all",
    period=FY,
    period_type="financial_year",
    geography=LONDON,
    breakdown="total",
    value="ALL",
    note=None,
):
    unit = UNITS[indicator]
    return {
        "indicator_id": indicator,
        "indicator_name": indicator,
        "category": category,
        "period_type": period_type,
        "period": str(period),
        "period_start": period,
        "period_end": period,
        "geography_type": geography[0],
        "geography_code": geography[1],
        "geography_name": geography[1],
        "breakdown": breakdown,
        "breakdown_value": value,
        "numerator": n,
        "denominator": d,
        "value": n if unit == "count" else (100 * n / d if d else None),
        "unit": unit,
        "ci_lower": None if unit == "count" else 0.0,
        "ci_upper": None if unit == "count" else 100.0,
        "comparison": "not_compared" if unit == "count" else "similar",
        "suppressed": False,
        "note": note,
    }


def panel(rows):
    return pl.DataFrame(rows, schema=SCHEMA).select(COLUMNS)


def suppressed_of(out: pl.DataFrame) -> dict:
    """(indicator, geography_code, period_start, breakdown_value) -> note of the suppressed rows."""
    return {
        (x["indicator_id"], x["geography_code"], x["period_start"], x["breakdown_value"]): x["note"]
        for x in out.filter(pl.col("suppressed")).iter_rows(named=True)
    }


def test_primary_and_secondary_within_a_breakdown():
    p = panel(
        [
            r("police_recorded_crimes", 20),
            r("police_recorded_crimes", 17, breakdown="gender", value="FEMALE"),
            r("police_recorded_crimes", 3, breakdown="gender", value="MALE"),
            r("police_recorded_crimes", 0, breakdown="gender", value="UNKNOWN"),
        ]
    )
    out = apply_disclosure_control(p)
    # MALE 3 is a small number; FEMALE (the only non-zero member left) protects it; 0 is never chosen.
    assert suppressed_of(out) == {
        ("police_recorded_crimes", "E12000007", FY, "MALE"): SMALL_NUMBER,
        ("police_recorded_crimes", "E12000007", FY, "FEMALE"): PROTECT,
    }
    male = out.row(2, named=True)
    assert [male[c] for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "comparison")] == [None] * 6
    assert (male["unit"], male["breakdown_value"], male["suppressed"]) == ("count", "MALE", True)
    assert out.select(COLUMNS[:12]).equals(p.select(COLUMNS[:12]))  # same rows, same order
    assert out.row(0, named=True)["numerator"] == 20 and not out.row(3, named=True)["suppressed"]


def test_percent_complement_and_small_denominator_suppress_the_numerator_cell():
    p = panel(
        [
            r("police_recorded_crimes", 20),
            r("police_withdrawal_rate", 18, 20),
            r("police_charge_rate", 0, 20),
            r("police_recorded_crimes", 7, geography=("borough", "E09000012")),
            r("police_withdrawal_rate", 0, 7, geography=("borough", "E09000012"), note="provisional"),
            r("police_charge_rate", 7, 7, geography=("borough", "E09000012")),
            r("police_recorded_crimes", 13, geography=("borough", "E09000001")),
            r("police_withdrawal_rate", 5, 13, geography=("borough", "E09000001")),
            r("police_charge_rate", 0, 13, geography=("borough", "E09000001")),
        ]
    )
    out = apply_disclosure_control(p)
    s = suppressed_of(out)
    # London: 20 - 18 = 2 -> the withdrawn cell is suppressed; the cohort count of 20 stays.
    assert s[("police_withdrawal_rate", "E12000007", FY, "ALL")] == SMALL_NUMBER
    # Hackney: denominator 7 -> both rates suppressed (small number); the note is kept.
    assert s[("police_withdrawal_rate", "E09000012", FY, "ALL")] == "small number; provisional"
    assert s[("police_charge_rate", "E09000012", FY, "ALL")] == SMALL_NUMBER
    # Withdrawn cells: London's and Hackney's are suppressed (two in the boroughs' group), so
    # City's 5 stays. Charged cells: Hackney's 7 is the only one suppressed; City's 0 is never
    # chosen, so London's total (0 here: hand-made, not additive) is not chosen either.
    assert not any(k[0] == "police_recorded_crimes" for k in s)
    assert ("police_withdrawal_rate", "E09000001", FY, "ALL") not in s


def test_a_cell_shared_by_two_indicators_is_suppressed_in_both():
    # police_cohort is the numerator of recorded crimes and the denominator of the withdrawal rate.
    p = panel(
        [
            r("police_recorded_crimes", 40),
            r("police_recorded_crimes", 37, breakdown="gender", value="FEMALE"),
            r("police_recorded_crimes", 3, breakdown="gender", value="MALE"),
            r("police_withdrawal_rate", 10, 40),
            r("police_withdrawal_rate", 10, 37, breakdown="gender", value="FEMALE"),
            r("police_withdrawal_rate", 0, 3, breakdown="gender", value="MALE"),
        ]
    )
    out = apply_disclosure_control(p)
    assert suppressed_of(out) == {
        ("police_recorded_crimes", "E12000007", FY, "MALE"): SMALL_NUMBER,
        ("police_recorded_crimes", "E12000007", FY, "FEMALE"): PROTECT,
        ("police_withdrawal_rate", "E12000007", FY, "MALE"): SMALL_NUMBER,
        # its denominator cell (cohort FEMALE) protects MALE; its numerator 10 = total 10 - MALE 0.
        ("police_withdrawal_rate", "E12000007", FY, "FEMALE"): PROTECT,
    }
    # The total withdrawal row compares with nothing suppressed; the breakdown rows are blank.
    assert out.row(3, named=True)["comparison"] == "similar"


def test_boroughs_add_up_to_london_and_comparisons_with_a_suppressed_london():
    boroughs = [("E09000001", 2), ("E09000002", 10), ("E09000003", 18)]
    p = panel(
        [r("police_recorded_crimes", 30)]
        + [r("police_recorded_crimes", n, geography=("borough", code)) for code, n in boroughs]
        + [r("police_withdrawal_rate", 27, 30)]
        + [r("police_withdrawal_rate", 5, n, geography=("borough", code)) for code, n in boroughs[1:]]
    )
    out = apply_disclosure_control(p)
    s = suppressed_of(out)
    assert s[("police_recorded_crimes", "E09000001", FY, "ALL")] == SMALL_NUMBER
    assert s[("police_recorded_crimes", "E09000002", FY, "ALL")] == PROTECT  # smallest non-zero
    assert ("police_recorded_crimes", "E09000003", FY, "ALL") not in s
    assert ("police_recorded_crimes", "E12000007", FY, "ALL") not in s
    # London's withdrawal rate (30 - 27 = 3) is suppressed: borough rates compare with nothing.
    assert s[("police_withdrawal_rate", "E12000007", FY, "ALL")] == SMALL_NUMBER
    # London's withdrawn cell is the only suppressed one of its group: the tie of 5 and 5 goes to
    # the lowest geography code (E09000002, suppressed already through its cohort cell anyway).
    assert s[("police_withdrawal_rate", "E09000002", FY, "ALL")] == PROTECT
    b3 = out.filter((pl.col("indicator_id") == "police_withdrawal_rate") & (pl.col("geography_code") == "E09000003"))
    assert b3["suppressed"].to_list() == [False] and b3["comparison"].to_list() == [None]


def test_quarters_add_up_to_the_year_but_not_for_the_waiting_list():
    counts = [3, 10, 0, 12]
    p = panel(
        [r("police_recorded_crimes", 25)]
        + [r("police_recorded_crimes", n, period=q, period_type="quarter") for q, n in zip(QUARTERS, counts)]
        + [r("services_waiting_list", 30)]
        + [r("services_waiting_list", n, period=q, period_type="quarter") for q, n in zip(QUARTERS, [3, 10, 20, 30])]
    )
    out = apply_disclosure_control(p)
    assert suppressed_of(out) == {
        ("police_recorded_crimes", "E12000007", QUARTERS[0], "ALL"): SMALL_NUMBER,
        ("police_recorded_crimes", "E12000007", QUARTERS[1], "ALL"): PROTECT,  # 0 is never chosen
        ("services_waiting_list", "E12000007", QUARTERS[0], "ALL"): SMALL_NUMBER,
    }


def test_services_boroughs_do_not_add_up_to_london():
    p = panel(
        [
            r("services_new_referrals", 30),
            r("services_new_referrals", 2, geography=("borough", "E09000001")),
            r("services_new_referrals", 10, geography=("borough", "E09000002")),
        ]
    )
    assert set(suppressed_of(apply_disclosure_control(p))) == {("services_new_referrals", "E09000001", FY, "ALL")}


def test_gender_ethnicity_groups():
    ge = {"FEMALE|WHITE": 20, "FEMALE|BLACK": 10, "MALE|WHITE": 8, "MALE|BLACK": 2}
    rows = [
        r("police_recorded_crimes", 40),
        r("police_recorded_crimes", 30, breakdown="gender", value="FEMALE"),
        r("police_recorded_crimes", 10, breakdown="gender", value="MALE"),
        r("police_recorded_crimes", 28, breakdown="ethnicity", value="WHITE"),
        r("police_recorded_crimes", 12, breakdown="ethnicity", value="BLACK"),
    ]
    rows += [r("police_recorded_crimes", n, breakdown="gender_ethnicity", value=v) for v, n in ge.items()]
    s = suppressed_of(apply_disclosure_control(panel(rows)))
    # MALE|BLACK 2; the breakdown group takes MALE|WHITE (8, the smallest); BLACK's group takes
    # FEMALE|BLACK; WHITE's group (MALE|WHITE suppressed) takes FEMALE|WHITE. Gender, ethnicity
    # and the total stay published.
    assert s == {
        ("police_recorded_crimes", "E12000007", FY, "MALE|BLACK"): SMALL_NUMBER,
        **{
            ("police_recorded_crimes", "E12000007", FY, v): PROTECT
            for v in ("MALE|WHITE", "FEMALE|BLACK", "FEMALE|WHITE")
        },
    }


def test_havens_categories_add_up_to_all():
    p = panel(
        [
            r("havens_attendances", 12),
            r("havens_attendances", 9, category="rape"),
            r("havens_attendances", 3, category="sexual_assault"),
            r("havens_attendances", 0, category="other"),
        ]
    )
    out = apply_disclosure_control(p)
    assert out["suppressed"].to_list() == [False, True, True, False]
    assert out["note"].to_list() == [None, PROTECT, SMALL_NUMBER, None]


def test_an_empty_panel_and_the_seam():
    p = panel([])
    assert apply_disclosure_control(p).height == 0
    one = panel([r("police_recorded_crimes", 3)])
    assert disclosure_controlled(one)["suppressed"].to_list() == [True]


# --- the attack ------------------------------------------------------------------------------

GEO = {"borough": ("london", "E12000007"), "haven": ("london", "E12000007"), "uk_region": ("uk", "K02000001")}


def independent_groups(cells: dict) -> list[list]:
    """Groups of published cells adding up to a published total, recomputed from the rules in
    plain Python. `cells`: cell key tuple -> anything. Each group: [total, *members] (a
    breakdown's values are a group of their own with the total)."""
    groups = defaultdict(list)
    for key in cells:
        cell, cat, ptype, pstart, gtype, gcode, b, bv = key
        if b != "total":
            groups[((cell, cat, ptype, pstart, gtype, gcode, "total", "ALL"), b)].append(key)
        if b == "gender_ethnicity":
            g, e = bv.split("|")
            groups[((cell, cat, ptype, pstart, gtype, gcode, "gender", g), "")].append(key)
            groups[((cell, cat, ptype, pstart, gtype, gcode, "ethnicity", e), "")].append(key)
        if gtype in GEO and not cell.startswith("services"):
            groups[((cell, cat, ptype, pstart, *GEO[gtype], b, bv), "")].append(key)
        if ptype == "quarter" and not cell.startswith("services.waiting_list"):
            fy = dt.date(pstart.year - (pstart.month < 4), 4, 1)
            groups[((cell, cat, "financial_year", fy, gtype, gcode, b, bv), "")].append(key)
        if cell.split(".")[0] in ("havens_attendances", "services") and cat != "all":
            groups[((cell, "all", ptype, pstart, gtype, gcode, b, bv), "")].append(key)
    return [[total, *members] for (total, _), members in groups.items() if total in cells]


def recovered(group, gone, count):
    """What adding and subtracting the other cells of the group gives for `gone`."""
    total, members = group[0], group[1:]
    if gone == total:
        return sum(count[m] for m in members)
    return count[total] - sum(count[m] for m in members if m != gone)


def attack(before: pl.DataFrame, after: pl.DataFrame):
    """(a) nothing published is 1-4 (nor a percent's complement; nor a denominator 1-9);
    (b) no group of published cells has exactly one suppressed cell that subtraction gives away."""
    assert after.select(COLUMNS[:12]).equals(before.select(COLUMNS[:12]))
    pub = after.filter(~pl.col("suppressed"))
    small = lambda c: pl.col(c).is_between(1, 4)  # noqa: E731
    assert pub.filter(pl.col("unit").is_in(["count", "per_1000"]) & small("numerator")).height == 0
    pct = pub.filter(pl.col("unit") == "percent").with_columns(c=pl.col("denominator") - pl.col("numerator"))
    assert (
        pct.filter(
            small("numerator") | small("denominator") | small("c") | pl.col("denominator").is_between(1, 9)
        ).height
        == 0
    )
    ratio = pub.filter(pl.col("unit") == "ratio")
    assert ratio.filter(small("numerator") | small("denominator")).height == 0
    change = pub.filter(pl.col("unit") == "percent_change").with_columns(
        this=pl.col("numerator") + pl.col("denominator")
    )
    assert change.filter(small("this") | small("denominator")).height == 0
    # Suppressed rows are blank.
    sup = after.filter(pl.col("suppressed"))
    assert (
        sup.select(
            pl.all_horizontal(
                pl.col(c).is_null() for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "comparison")
            )
        )
        .to_series()
        .all()
    )

    cells, links = suppressed_cells(before)
    rows_supp = after["suppressed"].to_list()
    key_of = {x["cell_id"]: tuple(x[k] for k in CELL_KEY) for x in cells.iter_rows(named=True)}
    count = {key_of[x["cell_id"]]: x["count"] for x in cells.iter_rows(named=True)}
    # A cell is hidden when every row showing it is suppressed; shown when some published row shows it.
    shown_by_published = defaultdict(bool)
    for row, cid in zip(links["row"].to_list(), links["cell_id"].to_list()):
        shown_by_published[key_of[cid]] |= not rows_supp[row]
    hidden = {k: not shown_by_published[k] for k in key_of.values()}
    # A suppressed cell is shown by no published row (one cell, suppressed wherever it is shown).
    # A cell may also be hidden without being suppressed: every row showing it is suppressed for
    # another of its cells (a rate's denominator or numerator).
    suppressed = {}
    for x in cells.iter_rows(named=True):
        key = key_of[x["cell_id"]]
        suppressed[key] = x["suppressed"]
        assert not x["suppressed"] or hidden[key]
    assert not any(count[k] in (1, 2, 3, 4) and not hidden[k] for k in count)
    leaks = []
    for group in independent_groups(count):
        # (b) a group with exactly one suppressed cell gives it away by subtraction, unless what
        # subtraction gives is 0 or wrong (services' breakdowns need not add up to the total).
        gone = [k for k in group if suppressed[k]]
        if len(gone) == 1 and count[gone[0]] != 0 and recovered(group, gone[0], count) == count[gone[0]]:
            leaks.append(("suppressed", gone[0], group))
        # ... and no hidden cell of 1-4 is the only one hidden in its group.
        gone = [k for k in group if hidden[k]]
        if len(gone) == 1 and count[gone[0]] in (1, 2, 3, 4) and recovered(group, gone[0], count) == count[gone[0]]:
            leaks.append(("hidden", gone[0], group))
    assert not leaks, "\n".join(map(str, leaks[:3]))


def synthetic_panel(seed=7, n=900) -> pl.DataFrame:
    """A realistic small panel: police cohort records in 5 boroughs over the four quarters of
    FY2009/10, with gender, ethnicity and withdrawal, counted as the pipeline's cells are."""
    rng = random.Random(seed)
    boroughs = ["E09000001", "E09000002", "E09000003", "E09000004", "E09000005"]
    weights = [1, 3, 8, 20, 40]
    genders, ethnicities = ["FEMALE", "MALE", "UNKNOWN"], ["WHITE", "BLACK", "ASIAN", "UNKNOWN"]
    records = [
        (
            rng.choices(boroughs, weights)[0],
            rng.choice(QUARTERS),
            rng.choices(genders, [85, 13, 2])[0],
            rng.choices(ethnicities, [50, 25, 20, 5])[0],
            rng.random() < 0.3,
            rng.choices(["all", "rape"], [4, 1])[0],
        )
        for _ in range(n)
    ]
    values = {
        "total": ["ALL"],
        "gender": genders,
        "ethnicity": ethnicities,
        "gender_ethnicity": [f"{g}|{e}" for g in genders for e in ethnicities],
    }

    def bv_of(rec, b):
        return {"total": "ALL", "gender": rec[2], "ethnicity": rec[3], "gender_ethnicity": f"{rec[2]}|{rec[3]}"}[b]

    rows = []
    for cat in ["all", "rape"]:
        for ptype, periods in (("quarter", QUARTERS), ("financial_year", [FY])):
            for period in periods:
                for geo in [LONDON] + [("borough", b) for b in boroughs]:
                    for b, vals in values.items():
                        if geo[0] == "borough" and (b == "gender_ethnicity" or (ptype == "quarter" and b != "total")):
                            continue
                        for v in vals:
                            recs = [
                                x
                                for x in records
                                if (cat == "all" or x[5] == cat)
                                and (ptype == "financial_year" or x[1] == period)
                                and (geo[0] == "london" or x[0] == geo[1])
                                and bv_of(x, b) == v
                            ]
                            cohort, withdrawn = len(recs), sum(x[4] for x in recs)
                            kw = dict(
                                category=cat, period=period, period_type=ptype, geography=geo, breakdown=b, value=v
                            )
                            rows.append(r("police_recorded_crimes", cohort, **kw))
                            rows.append(r("police_withdrawal_rate", withdrawn, cohort, **kw))
    return panel(rows)


def test_attack_on_a_synthetic_panel():
    before = synthetic_panel()
    after = apply_disclosure_control(before)
    assert 0 < after["suppressed"].sum() < after.height
    attack(before, after)


@pytest.mark.parametrize("seed", [1, 2])
def test_attack_on_other_synthetic_panels(seed):
    before = synthetic_panel(seed, n=400)
    attack(before, apply_disclosure_control(before))


def test_attack_on_the_handmade_warehouse(handmade):
    paths, _ = handmade
    before = panel_rows(query(paths, "select * from marts.indicators")).select(COLUMNS)
    after = apply_disclosure_control(before)
    attack(before, after)
