"""Tests of the synthetic support-service returns generator (pipelines/sample/service_returns.py).

The files are read twice: with a small independent parser (BOM / Windows-1252, csv quoting, blank
lines, header case) for the format, and through the landing loader (`read_raw` + `validate`)
for what the warehouse will accept.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from helpers import decode_extract
import schemas.service_returns as sr
from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import validate
from pipelines.sample import service_returns as gen
from pipelines.sample.common import quarter_ordinal

START, END = "2007-04", "2013-03"  # the default range of `vawg sample`


# ------------------------------------------------------------------------------------------
# Readers
# ------------------------------------------------------------------------------------------
def read_extract(path: Path) -> tuple[list[str], pl.DataFrame]:
    """Raw header and a frame of the values as written (untrimmed), canonical column names."""
    rows = [
        r for r in csv.reader(io.StringIO(decode_extract(path.read_bytes()), newline="")) if any(f.strip() for f in r)
    ]
    header = rows[0]
    names = [h.strip().lower() for h in header]
    return header, pl.DataFrame(rows[1:], schema={n: pl.Utf8 for n in names}, orient="row", strict=False)


def loaded(paths: list[Path]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted and quarantined rows of every file, with its quarter."""
    accepted, quarantine = [], []
    for p in paths:
        r = validate("service_returns", read_raw(p, SOURCES["service_returns"].columns), p.stem)
        assert r.rows_read == r.accepted.height + r.quarantine.height
        accepted.append(r.accepted.with_columns(pl.lit(p.stem).alias("quarter")))
        quarantine.append(
            r.quarantine.with_columns(pl.lit(p.stem).alias("quarter"), pl.lit(r.rows_read).alias("rows_read"))
        )
    return pl.concat(accepted), pl.concat(quarantine)


def totals(accepted: pl.DataFrame, measure: str = "NEW_REFERRALS") -> pl.DataFrame:
    return accepted.filter((pl.col("breakdown") == "TOTAL") & (pl.col("measure") == measure))


@pytest.fixture(scope="module")
def default_range(tmp_path_factory):
    """The default range at scale 1, seed 1: paths, accepted rows, quarantined rows."""
    landing = tmp_path_factory.mktemp("services")
    paths = gen.write_service_returns(landing, START, END, scale=1.0, seed=1)
    accepted, quarantine = loaded(paths)
    return paths, accepted, quarantine


# ------------------------------------------------------------------------------------------
# Files, reproducibility, format
# ------------------------------------------------------------------------------------------
def test_quarter_files_for_a_range(tmp_path):
    paths = gen.write_service_returns(tmp_path, "2009-05", "2010-02", scale=0.1, seed=3)
    assert [p.name for p in paths] == ["2009-04.csv", "2009-07.csv", "2009-10.csv", "2010-01.csv"]
    assert sorted(x.name for x in (tmp_path / "service_returns").iterdir()) == [p.name for p in paths]
    with pytest.raises(ValueError):
        gen.write_service_returns(tmp_path, "2010-02", "2009-05")


def test_same_seed_gives_byte_identical_files_whatever_the_range(tmp_path, default_range):
    paths = default_range[0]
    again = gen.write_service_returns(tmp_path / "a", START, END, scale=1.0, seed=1)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    part = gen.write_service_returns(tmp_path / "b", "2011-04", "2011-09", scale=1.0, seed=1)
    full = {p.name: p.read_bytes() for p in paths}
    assert [p.read_bytes() for p in part] == [full["2011-04.csv"], full["2011-07.csv"]]
    other = gen.write_service_returns(tmp_path / "c", "2011-04", "2011-06", scale=1.0, seed=2)
    assert other[0].read_bytes() != full["2011-04.csv"]


def test_the_columns_and_codes_are_the_spec_ones(default_range):
    paths = default_range[0]
    assert gen.COLUMNS == list(SOURCES["service_returns"].columns) == list(sr.COLUMNS)
    assert gen.MEASURES == list(sr.MEASURES)
    assert {b: tuple(c) for b, c in gen.CATEGORIES.items()} == {b: c for b, c in sr.CATEGORIES.items() if b != "TOTAL"}
    texts = [p.read_bytes() for p in paths]
    for p in paths:
        header, frame = read_extract(p)
        assert sorted(h.strip().lower() for h in header) == sorted(gen.COLUMNS)
        codes = frame.select(pl.col(c).str.strip_chars().str.to_uppercase() for c in gen.CODE_COLUMNS)
        assert set(codes["service_type"]) <= set(sr.SERVICE_TYPES)
        assert set(codes["borough_code"]) <= set(sr.borough_codes())
        assert set(codes["measure"]) <= set(sr.MEASURES)
        assert set(codes["breakdown"]) <= set(sr.BREAKDOWNS)
    # the export mess of the police files: BOM, CRLF, lower-case codes, stray spaces, 36.0
    assert any(t.startswith(b"\xef\xbb\xbf") for t in texts)
    assert any(b"\r\n" in t for t in texts) and any(b"\r\n" not in t for t in texts)
    assert any(b"idva-" in t or b"rcc-" in t for t in texts)
    assert any(b" ," in t or b", " in t for t in texts)
    assert any(b".0," in t or b".0\n" in t or b".0\r" in t or b'.0"' in t for t in texts)


# ------------------------------------------------------------------------------------------
# What the loader makes of it
# ------------------------------------------------------------------------------------------
def test_only_the_deliberately_invalid_rows_are_quarantined(default_range):
    paths, accepted, quarantine = default_range
    assert set(quarantine["rule"]) <= set(gen.JUNK_TYPES.values())
    assert set(quarantine["rule"]) >= {"invalid_integer", "invalid_code", "duplicate_key"}
    per_file = quarantine.group_by("quarter").agg(pl.len(), pl.col("rows_read").first())
    assert per_file.height == len(paths)  # at least one in every file
    assert (per_file["len"] <= 4).all()
    assert 0.0005 < quarantine.height / (accepted.height + quarantine.height) < 0.003
    # the accepted rows are exactly the providers' valid returns: junk disturbed nothing
    for q in (quarter_ordinal(2007, 4), quarter_ordinal(2010, 4), quarter_ordinal(2013, 1)):
        name = f"{q // 4}-{(q % 4) * 3 + 1:02d}"
        want = sorted(
            (p.provider_id, p.service_type, p.borough_code, *r)
            for p in gen.PROVIDERS
            if p.sends(q)
            for r in gen.provider_return(p, q, 1.0, 1)
        )
        got = accepted.filter(pl.col("quarter") == name).select(sr.COLUMNS).rows()
        assert sorted(got) == want


def test_breakdowns_add_up_except_the_unbalanced_one(default_range):
    accepted = default_range[1]
    provider, quarter, measure, breakdown = gen.UNBALANCED
    bad = sr.breakdowns_not_adding_up(accepted, by=["quarter"])
    assert bad.select("quarter", "provider_id", "measure", "breakdown").rows() == [
        (quarter, provider, measure, breakdown)
    ]
    total, summed = bad.row(0)[-2:]
    assert summed - total == max(3, round(0.08 * total))


@pytest.mark.parametrize("scale,seed", [(0.01, 7), (2.0, 11)])
def test_the_unbalanced_breakdown_and_the_missing_return_at_any_scale_and_seed(tmp_path, scale, seed):
    paths = gen.write_service_returns(tmp_path, "2010-04", "2011-09", scale=scale, seed=seed)
    accepted, _ = loaded(paths)
    bad = sr.breakdowns_not_adding_up(accepted, by=["quarter"])
    assert bad.select("quarter", "provider_id", "measure", "breakdown").rows() == [
        (gen.UNBALANCED[1], gen.UNBALANCED[0], gen.UNBALANCED[2], gen.UNBALANCED[3])
    ]
    sent = set(accepted.select("provider_id", "quarter").unique().rows())
    assert gen.MISSING_RETURN not in sent
    assert (gen.MISSING_RETURN[0], "2011-04") in sent
    assert sent == set(gen.returns_sent("2010-04", "2011-09"))


def test_the_missing_return_first_and_last_returns(default_range):
    accepted = default_range[1]
    sent = set(accepted.select("provider_id", "quarter").unique().rows())
    assert sent == set(gen.returns_sent(START, END))
    provider, quarter = gen.MISSING_RETURN
    assert gen.MISSING_RETURN == ("IDVA-CROYDON", "2011-07")
    assert (provider, quarter) not in sent
    assert {(provider, "2011-04"), (provider, "2011-10")} <= sent
    west = sorted(q for p, q in sent if p == gen.FIRST_RETURN[0])
    brent = sorted(q for p, q in sent if p == gen.LAST_RETURN[0])
    assert west[0] == gen.FIRST_RETURN[1] == "2009-10" and west[-1] == "2013-01"
    assert brent[0] == "2007-04" and brent[-1] == gen.LAST_RETURN[1] == "2011-10"
    # every other provider sends every quarter
    quarters = sorted(accepted["quarter"].unique())
    assert len(quarters) == 24
    for p in gen.PROVIDERS:
        if p.provider_id not in (provider, gen.FIRST_RETURN[0], gen.LAST_RETURN[0]):
            assert sorted(q for pid, q in sent if pid == p.provider_id) == quarters
    # expected (a return in any of the four quarters before) but nothing sent
    assert gen.missing_returns(START, END) == [
        ("IDVA-CROYDON", "2011-07"),
        ("OUTREACH-BRENT", "2012-01"),
        ("OUTREACH-BRENT", "2012-04"),
        ("OUTREACH-BRENT", "2012-07"),
        ("OUTREACH-BRENT", "2012-10"),
    ]
    assert gen.missing_returns("2011-07", "2011-09") == []  # nothing before it in the range
    assert gen.missing_returns("2011-04", "2011-09") == [("IDVA-CROYDON", "2011-07")]


def test_providers_types_and_boroughs(default_range):
    accepted = default_range[1]
    pairs = accepted.select("provider_id", "service_type", "borough_code").unique().sort("provider_id")
    assert pairs.rows() == sorted((p.provider_id, p.service_type, p.borough_code) for p in gen.PROVIDERS)
    assert 10 <= len(gen.PROVIDERS) <= 16
    assert set(pairs["service_type"]) == set(sr.SERVICE_TYPES)
    london = set(pairs.filter(pl.col("borough_code") == "E12000007")["provider_id"])
    assert {"REFUGE-LONDON", "HELPLINE-LONDON", "RCC-NORTH"} <= london
    # every return has the four measures, each with its TOTAL
    measures = (
        accepted.filter(pl.col("breakdown") == "TOTAL").group_by("provider_id", "quarter").agg(pl.col("measure").sort())
    )
    assert set(map(tuple, measures["measure"].to_list())) == {tuple(sorted(sr.MEASURES))}
    # a non-zero total has every breakdown; zero categories are left out by most providers
    with_breakdowns = (
        accepted.filter(pl.col("breakdown") != "TOTAL")
        .group_by("provider_id", "quarter", "measure")
        .agg(pl.col("breakdown").n_unique())
    )
    assert set(with_breakdowns["breakdown"]) == {5}
    zeros = accepted.filter(pl.col("count") == 0, pl.col("breakdown") != "TOTAL")
    assert set(zeros["provider_id"]) == {"RCC-EAST", "REFUGE-LONDON", "HELPLINE-LONDON"}


def test_volumes_are_realistic(default_range):
    accepted = default_range[1]
    new = totals(accepted).with_columns(pl.col("provider_id").str.split("-").list.first().alias("kind"))
    by_kind = new.group_by("kind").agg(pl.col("count").min().alias("lo"), pl.col("count").max().alias("hi"))
    ranges = {k: (lo, hi) for k, lo, hi in by_kind.rows()}
    assert 80 <= ranges["IDVA"][0] and ranges["IDVA"][1] <= 220
    assert 50 <= ranges["RCC"][0] and ranges["RCC"][1] <= 170
    assert 1000 <= ranges["HELPLINE"][0] and ranges["HELPLINE"][1] <= 2200
    refuge = totals(accepted, "CLIENTS_SUPPORTED").filter(pl.col("provider_id") == "REFUGE-LONDON")["count"]
    assert 10 <= refuge.min() and refuge.max() < 100
    # waiting lists grow over the years
    waiting = totals(accepted, "WAITING_LIST").filter(pl.col("service_type") == "RAPE_CRISIS")
    first = waiting.filter(pl.col("quarter") < "2008-04")["count"].sum()
    last = waiting.filter(pl.col("quarter") >= "2012-04", pl.col("provider_id") != "RCC-WEST")["count"].sum()
    assert last > 1.8 * first
    declined = totals(accepted, "REFERRALS_DECLINED_CAPACITY")
    assert declined["count"].sum() > 0
    refuge_declined = declined.filter(pl.col("provider_id") == "REFUGE-LONDON")["count"].sum()
    assert refuge_declined > totals(accepted).filter(pl.col("provider_id") == "REFUGE-LONDON")["count"].sum()


def test_breakdowns_are_mostly_female_and_often_unknown(default_range):
    accepted = default_range[1]
    cats = accepted.filter(pl.col("measure") == "NEW_REFERRALS")

    def share(breakdown, category, provider=None):
        rows = cats.filter(pl.col("breakdown") == breakdown)
        if provider:
            rows = rows.filter(pl.col("provider_id") == provider)
        return rows.filter(pl.col("category") == category)["count"].sum() / rows["count"].sum()

    assert share("GENDER", "FEMALE") > 0.8
    assert share("GENDER", "FEMALE", "REFUGE-LONDON") == 1.0
    assert share("SEXUALITY", "UNKNOWN") > 0.4
    assert share("DISABILITY", "UNKNOWN") > 0.4
    assert share("AGE_BAND", "0-15", "IDVA-HACKNEY") == 0.0


def test_scale_multiplies_counts_not_providers(tmp_path, default_range):
    accepted = default_range[1]
    paths = gen.write_service_returns(tmp_path, "2011-04", "2012-03", scale=0.1, seed=1)
    small, _ = loaded(paths)
    full = totals(accepted).filter(pl.col("quarter").is_between(pl.lit("2011-04"), pl.lit("2012-01")))
    assert set(small["provider_id"]) == set(full["provider_id"])
    ratio = totals(small)["count"].sum() / full["count"].sum()
    assert 0.08 < ratio < 0.12
