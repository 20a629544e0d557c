"""An agency resends a quarter: the new version is the truth, the old one is kept as superseded,
exactly the figures it touches change, and what the Panel was given before stays findable.

The MPS resend 2009-07.csv with one record revised: rape 1000007/09 (Hackney, reported
04/07/2009) was recorded on 05/07 (one day: timely); the revision says 20/07 (sixteen days:
not timely), written on 20/07. Nothing else uses the recorded date except the period, which
stays 2009/10 Q2. So only police_timely_recording_rate moves, for rape (its categories are
rape and other sexual offences; the record is in neither other category), in Hackney and
London, in Q2 and the financial year:

  rape recorded  FY 2009/10: 01 07 10 (all Hackney), timely 3 -> 2 of 3
                 Q2:         07,                     timely 1 -> 0 of 1

All four rows have denominators under 10, so the Panel saw them suppressed before and after:
the Panel's dataset is byte-for-byte the same.
"""

import hashlib

import re

import polars as pl

from helpers import copy_state, query
from pipelines.publish.dataset_format import REVISION_KEY, SORT_KEYS
from pipelines.refresh import run_refresh

KEY = SORT_KEYS  # a Panel row's identity within a vintage


def revise(path):
    old = "1000007/09,2009-07-05T10:00:00,E09000012,04/07/2009,05/07/2009,"
    new = "1000007/09,2009-07-20T10:00:00,E09000012,04/07/2009,20/07/2009,"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def folder_digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_resent_quarter_supersedes_the_old_version_and_moves_only_its_figures(handmade, tmp_path):
    fixture, _ = handmade
    paths = copy_state(fixture, tmp_path, store=True)
    before = query(paths, "select * from marts.indicators")
    old_vintages = query(paths, "select * from marts.indicator_vintages")
    old_folders = {v: folder_digest(paths.publish / v) for v in old_vintages["vintage"].unique()}
    old_csv = (paths.publish / "latest" / "indicators.csv").read_bytes()
    old_sha = hashlib.sha256((paths.landing / "mps_crimes" / "2009-07.csv").read_bytes()).hexdigest()

    revise(paths.landing / "mps_crimes" / "2009-07.csv")
    new_sha = hashlib.sha256((paths.landing / "mps_crimes" / "2009-07.csv").read_bytes()).hexdigest()
    outcome = run_refresh(paths)
    assert outcome.exit_code == 0, outcome.message + outcome.detail

    loads = query(
        paths,
        "select sha256, status, rows_read, rows_loaded, rows_quarantined from audit.loads "
        "where source = 'mps_crimes' and file_name = '2009-07.csv' order by status",
    )
    assert loads.rows() == [(new_sha, "accepted", 5, 4, 1), (old_sha, "superseded", 5, 4, 1)]
    # A revised quarter: the police raw table is written whole, and dbt builds every model whole.
    log = sorted((paths.warehouse.parent / "logs").glob("refresh-*.log"))[-1].read_text(encoding="utf-8")
    assert "dbt builds every model whole." in log
    record = query(paths, "select recorded_date::varchar d from marts.fct_crime_records where crime_ref = '1000007/09'")
    assert record["d"].to_list() == ["2009-07-20"]

    after = query(paths, "select * from marts.indicators")
    assert after.height == before.height
    changed = before.join(after, on=KEY, how="inner", suffix="_new", nulls_equal=True).filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in before.columns if c not in KEY)
    )
    got = {
        (r["period_type"], str(r["period_start"]), r["geography_code"]): (
            r["numerator"],
            r["denominator"],
            r["numerator_new"],
            r["denominator_new"],
            round(r["value_new"], 2),
        )
        for r in changed.iter_rows(named=True)
    }
    assert set(changed["indicator_id"]) == {"police_timely_recording_rate"}
    assert set(changed["category"]) == {"rape"} and set(changed["breakdown"]) == {"total"}
    assert got == {
        ("financial_year", "2009-04-01", "E12000007"): (3, 3, 2, 3, 66.67),
        ("financial_year", "2009-04-01", "E09000012"): (3, 3, 2, 3, 66.67),
        ("quarter", "2009-07-01", "E12000007"): (1, 1, 0, 1, 0.0),
        ("quarter", "2009-07-01", "E09000012"): (1, 1, 0, 1, 0.0),
    }

    # The Panel: the four rows were and are suppressed; the earlier vintages are kept as they were.
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == old_csv
    vintages = query(paths, "select * from marts.indicator_vintages")
    assert vintages["vintage"].n_unique() == len(old_folders) + 1
    kept = vintages.filter(pl.col("vintage").is_in(list(old_folders)))
    assert kept.sort(["vintage", *KEY]).equals(old_vintages.sort(["vintage", *KEY]))
    assert {v: folder_digest(paths.publish / v) for v in old_folders} == old_folders

    # Nothing the Panel saw moved, so no key has changed between the two vintages.
    revisions = query(paths, "select * from marts.indicator_revisions")
    assert revisions.height == old_vintages.height  # every key of the first vintage was published again
    assert revisions.filter(pl.col("times_changed") > 0).height == 0


def test_indicator_revisions_lists_exactly_the_published_values_that_changed(handmade, tmp_path):
    """Rape Crisis North (pan-London, so London only) resends 2009-07 with 25 new referrals
    instead of 20 (all of them women, as before). By hand, services_new_referrals in London:
      all services, 2009/10 Q2: IDVA Hackney 10 + RCC 20 = 30 -> 35; FY 2009/10: IDVA 4 × 10 +
      RCC 20 in Q1, Q2 and Q4 = 100 -> 105; rape_crisis Q2 20 -> 25, FY 60 -> 65, and its
      FEMALE rows the same (all its referrals are women). The FEMALE row of all services moves
      too (IDVA 9 + RCC 20 = 29 -> 34 in Q2) but the Panel never saw it: IDVA's one man is
      suppressed, and FEMALE, the only other non-zero value of the gender group, with him. A
      value blank in both vintages has not changed.
    marts.indicator_revisions must list exactly the Panel rows whose published value differs
    between the two vintages' indicators.csv (worked out here from the files)."""
    fixture, _ = handmade
    paths = copy_state(fixture, tmp_path, store=True)
    first = (paths.publish / "latest").resolve().name
    old_csv = pl.read_csv(paths.publish / first / "indicators.csv", infer_schema=False)
    path = paths.landing / "service_returns" / "2009-07.csv"
    text = path.read_text(encoding="utf-8")
    for line in (
        "RCC-NORTH,RAPE_CRISIS,E12000007,NEW_REFERRALS,TOTAL,ALL,",
        "RCC-NORTH,RAPE_CRISIS,E12000007,NEW_REFERRALS,GENDER,FEMALE,",
    ):
        assert text.count(line + "20\n") == 1
        text = text.replace(line + "20\n", line + "25\n")
    path.write_text(text, encoding="utf-8")
    outcome = run_refresh(paths)
    assert outcome.exit_code == 0, outcome.message + outcome.detail
    second = (paths.publish / "latest").resolve().name
    new_csv = pl.read_csv(paths.publish / second / "indicators.csv", infer_schema=False)

    both = old_csv.join(new_csv, on=REVISION_KEY, how="inner", suffix="_new", nulls_equal=True)
    changed_in_files = both.filter(pl.col("value").ne_missing(pl.col("value_new")))
    revisions = query(paths, "select * from marts.indicator_revisions")
    assert revisions.height == both.height  # every key published in both vintages, once
    assert set(revisions["first_vintage"]) == {first} and set(revisions["latest_vintage"]) == {second}
    assert set(revisions["times_changed"]) == {0, 1}
    revised = revisions.filter(pl.col("times_changed") > 0)
    assert set(revised.select(REVISION_KEY).rows()) == set(changed_in_files.select(REVISION_KEY).rows())
    assert set(revised["indicator_id"]) == {"services_new_referrals"}

    def revision(category, period, breakdown="total", value="ALL"):
        [row] = (
            revised.filter(
                (pl.col("category") == category)
                & (pl.col("period") == period)
                & (pl.col("geography_type") == "london")
                & (pl.col("breakdown") == breakdown)
                & (pl.col("breakdown_value") == value)
            )
            .select("first_value", "latest_value")
            .rows()
        )
        return row

    assert revision("all", "2009/10 Q2") == (30, 35)
    assert revision("all", "2009/10") == (100, 105)
    assert revision("rape_crisis", "2009/10 Q2") == (20, 25)
    assert revision("rape_crisis", "2009/10") == (60, 65)
    assert revision("rape_crisis", "2009/10 Q2", "gender", "FEMALE") == (20, 25)
    [female] = (
        revisions.filter(
            (pl.col("indicator_id") == "services_new_referrals")
            & (pl.col("category") == "all")
            & (pl.col("period") == "2009/10 Q2")
            & (pl.col("geography_type") == "london")
            & (pl.col("breakdown") == "gender")
            & (pl.col("breakdown_value") == "FEMALE")
        )
        .select("first_value", "latest_value", "times_changed")
        .rows()
    )
    assert female == (None, None, 0)
    assert not revised.filter(pl.col("geography_type") != "london").height  # a pan-London provider

    # The report of the second vintage names them: the count, the London totals among them (all
    # services and rape crisis, Q2 and FY: 4; the FEMALE rape-crisis rows are breakdowns), and
    # each London total revised, with its first and latest value.
    report = (paths.publish / second / "report.html").read_text(encoding="utf-8")
    section = report.split('id="revisions"')[1].split("</section>")[0]
    assert (
        f"{revised.height} rows of this dataset have a different value from the one first published, "
        "4 of them London totals."
    ) in section
    listed = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', section)
    cells = sorted((name, *re.findall(r"<td[^>]*>(.*?)</td>", rest)[:5]) for name, rest in listed)
    assert cells == sorted(
        [
            ("New referrals to support services", "all VAWG", "2009/10 Q2", first, "30", "35"),
            ("New referrals to support services", "all VAWG", "2009/10", first, "100", "105"),
            ("New referrals to support services", "rape crisis", "2009/10 Q2", first, "20", "25"),
            ("New referrals to support services", "rape crisis", "2009/10", first, "60", "65"),
        ]
    )
