"""Tests of the synthetic MPS crime extract generator (pipelines/sample/mps_crimes.py).

The files are re-read here with a small, independent parser (BOM / Windows-1252, csv quoting,
blank lines, header case, several date and timestamp forms) and the calibration targets are
counted on the *current* version of each record, as the warehouse will count them.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from helpers import decode_extract
from pipelines.sample import common
from pipelines.sample.mps_crimes import BOROUGHS, COLUMNS, DATA_DIR, JUNK_TYPES, mps_charged_cases, write_mps_crimes

# The reference rows this test needs, copied from ../shared/reference (tests/data/README.md).
REFERENCE = Path(__file__).parent / "data" / "mps_reference" / "mps_borough_level_crime_sexual_offences_subset.csv"
RAPE = ["19C", "19D", "19E", "19F", "19G", "19H"]
OSO = ["17A", "17B", "20A", "20B", "21", "22A", "22B", "23", "70", "73", "88A", "88B", "88C", "88D", "88E"]
CRIME_REF = re.compile(r"^\d{7}/\d{2}$")
URN = re.compile(r"^01[A-Z0-9]{2}\d{5}\d{2}$")


# ------------------------------------------------------------------------------------------
# A small independent reader
# ------------------------------------------------------------------------------------------
def parse_dates(col: str) -> pl.Expr:
    c = pl.col(col).str.split(" ").list.first()  # drop a midnight time
    return pl.coalesce(
        c.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        c.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
    )


def parse_timestamps(col: str) -> pl.Expr:
    c = pl.col(col)
    naive = (
        pl.coalesce(
            *[
                c.str.strptime(pl.Datetime("us"), f, strict=False)
                for f in (
                    "%Y-%m-%dT%H:%M:%S",
                    "%Y-%m-%d %H:%M:%S",
                    "%Y-%m-%dT%H:%M",
                    "%d/%m/%Y %H:%M:%S",
                    "%d/%m/%Y %H:%M",
                )
            ]
        )
        .dt.replace_time_zone("Europe/London", ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    aware = c.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%:z", strict=False)
    return pl.coalesce(aware, naive)


def read_extract(path: Path) -> tuple[list[str], pl.DataFrame]:
    """Raw header and a frame of trimmed text values with canonical (lower-case) column names."""
    rows = [r for r in csv.reader(io.StringIO(decode_extract(path.read_bytes()), newline="")) if r]
    header = rows[0]
    names = [h.strip().lower() for h in header]
    frame = pl.DataFrame(rows[1:], schema={n: pl.Utf8 for n in names}, orient="row")
    return header, frame.with_columns(pl.all().str.strip_chars())


def read_header(path: Path) -> list[str]:
    return next(csv.reader(io.StringIO(decode_extract(path.read_bytes()[:4000]).splitlines()[0])))


def load(paths: list[Path]) -> pl.DataFrame:
    """Every row of every file, typed, with the file's quarter index."""
    frames = []
    for i, p in enumerate(sorted(paths)):
        _, f = read_extract(p)
        frames.append(f.select(COLUMNS).with_columns(pl.lit(i).alias("file_idx"), pl.lit(p.stem).alias("file")))
    df = pl.concat(frames)
    codes = [c for c in COLUMNS if c.startswith(("flag_", "victim_", "suspect_")) or c in ("classification", "cps_urn")]
    return df.with_columns(
        [pl.col(c).str.to_uppercase() for c in codes]
        + [pl.col("ho_offence_code").str.to_uppercase().str.replace(r"^4\.1$", "4/1")]
        + [
            parse_dates(c).alias(c)
            for c in ("reported_date", "recorded_date", "offence_date", "no_crime_date", "outcome_date")
        ]
        + [parse_timestamps("last_modified").alias("ts")]
    )


def current(df: pl.DataFrame) -> pl.DataFrame:
    """Current version per crime_ref: latest last_modified, a tie going to the later file."""
    return (
        df.filter(pl.col("ts").is_not_null())
        .sort(["crime_ref", "ts", "file_idx"])
        .group_by("crime_ref", maintain_order=True)
        .last()
    )


def fy_counts(cur: pl.DataFrame, fy: int) -> dict[str, int]:
    start, end = pl.date(fy, 4, 1), pl.date(fy + 1, 3, 31)
    in_fy = pl.col("recorded_date").is_between(start, end)
    crime = cur.filter(in_fy & (pl.col("classification") == "CRIME"))
    rape = crime.filter(pl.col("ho_offence_code").is_in(RAPE))
    honour = cur.filter(in_fy & (pl.col("flag_honour") == "Y") & pl.col("classification").is_in(["CRIME", "INCIDENT"]))
    return {
        "domestic": crime.filter(pl.col("flag_domestic") == "Y").height,
        "rape": rape.height,
        "mp_rape": rape.filter(pl.col("flag_multiple_perpetrator") == "Y").height,
        "honour": honour.height,
        "honour_crime": honour.filter(pl.col("classification") == "CRIME").height,
    }


def published_counts(scale: float, months: list[str]) -> dict[tuple[str, str, str], int]:
    """(minor, borough_code, YYYYMM) -> round(count x scale), from the package's data subset."""
    out = {}
    with open(DATA_DIR / "mps_borough_month_counts.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["minor_text"] in ("Rape", "Other Sexual Offences"):
                for m in months:
                    out[(r["minor_text"], r["borough_code"], m)] = int(common.round_half_up(int(r[m]) * scale))
    return out


def borough_month_counts(cur: pl.DataFrame) -> dict[tuple[str, str, str], int]:
    crime = cur.filter(pl.col("classification") == "CRIME").with_columns(
        pl.col("recorded_date").dt.strftime("%Y%m").alias("month"),
        pl.when(pl.col("ho_offence_code").is_in(RAPE))
        .then(pl.lit("Rape"))
        .when(pl.col("ho_offence_code").is_in(OSO))
        .then(pl.lit("Other Sexual Offences"))
        .alias("minor"),
    )
    g = crime.filter(pl.col("minor").is_not_null()).group_by(["minor", "borough_code", "month"]).len()
    return {(r["minor"], r["borough_code"], r["month"]): r["len"] for r in g.iter_rows(named=True)}


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------
# Two years of police files at London's volume (slow, so marked so): made once, by one test worker
# (session-scoped, as that worker may run other modules' tests between these).
pytestmark = pytest.mark.xdist_group("sample_mps")
SLOW_FIXTURES = {"fy_world"}  # tests/conftest.py marks its tests slow


@pytest.fixture(scope="session")
def fy_world(tmp_path_factory):
    """2007-04..2009-03 at scale 1 (FY2007/08 and FY2008/09), parsed."""
    landing = tmp_path_factory.mktemp("fy")
    paths = write_mps_crimes(landing, "2007-04", "2009-03", scale=1.0, seed=1)
    return paths, load(paths)


# ------------------------------------------------------------------------------------------
# Files, reproducibility, format
# ------------------------------------------------------------------------------------------
def test_quarter_files_for_a_range(tmp_path):
    paths = write_mps_crimes(tmp_path, "2009-05", "2010-02", scale=0.01, seed=3)
    assert [p.name for p in paths] == ["2009-04.csv", "2009-07.csv", "2009-10.csv", "2010-01.csv"]
    assert all(p.parent == tmp_path / "mps_crimes" and p.exists() for p in paths)
    assert sorted(x.name for x in (tmp_path / "mps_crimes").iterdir()) == [p.name for p in paths]
    with pytest.raises(ValueError):
        write_mps_crimes(tmp_path, "2010-02", "2009-05")
    with pytest.raises(ValueError):
        write_mps_crimes(tmp_path, "2009-13", "2010-01")


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a = write_mps_crimes(tmp_path / "a", "2009-04", "2009-12", scale=0.03, seed=7)
    b = write_mps_crimes(tmp_path / "b", "2009-04", "2009-12", scale=0.03, seed=7)
    c = write_mps_crimes(tmp_path / "c", "2009-04", "2009-12", scale=0.03, seed=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert all(x.read_bytes() != y.read_bytes() for x, y in zip(a, c))


def test_headers_match_the_spec(fy_world):
    paths, _ = fy_world
    for p in paths:
        header = read_header(p)
        assert len(header) == 26
        assert sorted(h.strip().lower() for h in header) == sorted(COLUMNS)


def test_crime_refs_and_row_rules(fy_world):
    paths, df = fy_world
    good = df.filter(pl.col("crime_ref").str.contains(CRIME_REF.pattern) & ~pl.col("crime_ref").str.starts_with("0"))
    junk = df.height - good.height
    assert 0 < junk <= 0.002 * df.height + 2 * len(paths)  # the deliberately invalid rows only
    # unique within a file; year of the reference = year of recording
    assert good.group_by(["file", "crime_ref"]).len()["len"].max() == 1
    assert (good["crime_ref"].str.slice(8, 2) == good["recorded_date"].dt.strftime("%y")).all()
    # dates and timestamps of real rows are valid and consistent
    ends = pl.DataFrame(
        {
            "file": [p.stem for p in paths],
            "q_end": [common.quarter_end_date(common.quarter_ordinal(*common.parse_month(p.stem))) for p in paths],
        }
    )
    good = good.join(ends, on="file", how="left", maintain_order="left")
    assert good["ts"].null_count() == 0 and good["recorded_date"].null_count() == 0
    good = good.with_columns(pl.col("ts").dt.convert_time_zone("Europe/London").dt.date().alias("lm_date"))
    assert (good["lm_date"] <= good["q_end"]).all()
    for col in ("recorded_date", "outcome_date", "no_crime_date"):  # written after what it records
        assert good.filter(pl.col(col).is_not_null()).select((pl.col("lm_date") >= pl.col(col)).all()).item()
    assert (good["recorded_date"] >= good["reported_date"]).all()
    off = good.filter(pl.col("offence_date").is_not_null())
    assert (off["offence_date"] <= off["reported_date"]).all()
    assert set(good["borough_code"].unique()) <= set(BOROUGHS)
    assert set(good["classification"].unique()) == {"CRIME", "NO_CRIME", "INCIDENT"}
    nc = good.filter(pl.col("classification") == "NO_CRIME")
    assert nc["no_crime_date"].null_count() == 0 and (nc["outcome_type"] == "").all()
    assert (good.filter(pl.col("classification") == "INCIDENT")["outcome_type"] == "").all()
    out = good.filter(pl.col("outcome_type") != "")
    assert (out["outcome_date"] > out["recorded_date"]).all()
    assert not out["outcome_type"].is_in(["19", "21", "22"]).any()  # 21/22 do not exist before 2016/2019
    charged = good.filter(pl.col("outcome_type") == "1")
    assert charged["cps_urn"].str.contains(URN.pattern).all()
    assert (good.filter(pl.col("outcome_type") != "1")["cps_urn"] == "").all()
    urns = charged.unique("crime_ref").group_by("cps_urn").len()
    assert urns["len"].max() >= 2  # a few URNs cover several crimes
    for flag in ("flag_domestic", "flag_honour", "flag_forced_marriage", "flag_fgm", "flag_multiple_perpetrator"):
        assert set(good[flag].unique()) <= {"Y", "N", ""}
    # an out-of-scope version only for a record sent before (records leaving scope)
    flags = pl.any_horizontal(
        [pl.col(f) == "Y" for f in ("flag_domestic", "flag_honour", "flag_forced_marriage", "flag_fgm")]
    )
    strand = pl.col("ho_offence_code").is_in(RAPE + OSO + ["8L", "8M", "8Q", "72", "71", "24", "106"])
    oos = good.filter(~flags & ~(strand & pl.col("classification").is_in(["CRIME", "NO_CRIME"])))
    assert oos.height > 0
    first_file = good.group_by("crime_ref").agg(pl.col("file_idx").min().alias("first"))
    assert oos.join(first_file, on="crime_ref").select((pl.col("file_idx") > pl.col("first")).all()).item()


def test_versions_across_files(fy_world):
    _, df = fy_world
    real = df.filter(~pl.col("crime_ref").str.starts_with("0"))
    per_ref = real.group_by("crime_ref").agg(
        pl.len().alias("n"),
        pl.col("classification").n_unique().alias("ncls"),
        pl.col("ho_offence_code").n_unique().alias("ncode"),
    )
    assert per_ref.filter(pl.col("n") >= 2).height > 0.3 * per_ref.height  # outcomes arrive later
    assert per_ref.filter(pl.col("ncls") == 2).height > 1000  # later no-crimed
    assert per_ref.filter(pl.col("ncode") == 2).height > 50  # reclassified
    cur = current(df)
    recent = cur.filter(pl.col("recorded_date") >= pl.date(2009, 1, 1), pl.col("classification") == "CRIME")
    assert 0.35 < (recent["outcome_type"] == "").mean() < 0.7  # about half still pending at the end
    old = cur.filter(pl.col("recorded_date") < pl.date(2007, 10, 1), pl.col("classification") == "CRIME")
    assert (old["outcome_type"] == "").mean() < 0.05
    # a resent older state: a row that is not the latest version of its record, in a later file
    latest = real.group_by("crime_ref").agg(pl.col("ts").max().alias("tmax"), pl.col("file_idx").max().alias("fmax"))
    resent = real.join(latest, on="crime_ref").filter(
        (pl.col("ts") < pl.col("tmax")) & (pl.col("file_idx") == pl.col("fmax"))
    )
    assert resent.height > 0


def outcome_delays(cur: pl.DataFrame, codes: list[str]) -> pl.Series:
    """Days from recording to the outcome of the current CRIME versions with one of ``codes``."""
    with_outcome = cur.filter((pl.col("classification") == "CRIME") & pl.col("outcome_type").is_in(codes))
    return (with_outcome["outcome_date"] - with_outcome["recorded_date"]).dt.total_days()


def test_outcomes_arrive_with_a_spread_by_type(fy_world):
    """Issue 19: withdrawals within weeks, charges after months with a tail past a year, some in
    the file of the quarter the record was made. Crimes recorded in FY2007/08, seen by 2009-03."""
    _, df = fy_world
    cur = current(df)
    fy = cur.filter(pl.col("recorded_date").is_between(pl.date(2007, 4, 1), pl.date(2008, 3, 31)))
    withdrawals, charges = outcome_delays(fy, ["14", "16"]), outcome_delays(fy, ["1"])
    # Withdrawals: 10% at once, the rest lognormal median 25 days (x1.5-2 for the small slower
    # strands): the mixture's median solves 0.1 + 0.9 F(x) = 0.5, F(x) = 0.444, x = 25 e^(0.9 z),
    # z = -0.14: 22 days, ~24 with the slower strands.
    assert 18 <= withdrawals.median() <= 32
    # Charges: 15% in custody, the rest median 110 days: 0.15 + 0.85 F(x) = 0.5, F = 0.41,
    # z = -0.22: 88 days. Past a year: the lognormal is cut at the end of the sixth quarter
    # after recording (~590 days) and the cohort was followed 1-2 years (mean 547 days):
    # 0.85 x (P(z <= ln(547/110)) - P(z <= ln(365/110))) / P(z <= ln(590/110)) = 0.85 x
    # (0.945 - 0.885) / 0.953 = 5.4%.
    assert 75 <= charges.median() <= 105
    assert 0.035 < (charges > 365).mean() < 0.08
    # Some outcomes are in the record's first file: the version in the file of the recorded
    # quarter already carries one (a third of charges, two thirds of withdrawals arrive then).
    first = df.filter(~pl.col("crime_ref").str.starts_with("0") & (pl.col("classification") == "CRIME")).filter(
        pl.col("file") == pl.col("recorded_date").dt.truncate("1q").dt.strftime("%Y-%m")
    )
    assert first.filter(pl.col("outcome_type") == "1").height > 1000
    assert first.filter(pl.col("outcome_type").is_in(["14", "16"])).height > 10_000


def test_latest_quarter_of_the_default_demo_has_every_outcome(tmp_path):
    """Issue 19: in the default demo's last quarter (2013-01, its end-of-range state; the
    quarter's records and their outcomes do not depend on the range's start) no outcome rate is
    0%. A crime recorded on a uniform day of the quarter has r ~ U(0, 90) days left; e.g. for a
    domestic withdrawal P(delay <= r) = 0.1 + 0.9 P(lognormal(25, 0.9) <= r) averages ~0.65, so
    35% x 0.65 = 23% withdrawn; a charge 0.15 + 0.85 P(lognormal(110, 1) <= r) ~0.3, so 28% x
    0.3 = 8% charged; half still pending. Rape is slower (pace 2): 16% withdrawn, 2% charged."""
    cur = current(load(write_mps_crimes(tmp_path, "2013-01", "2013-03", scale=1.0, seed=1)))
    records = cur.filter(pl.col("recorded_date").is_between(pl.date(2013, 1, 1), pl.date(2013, 3, 31)))
    crimes = records.filter(pl.col("classification") == "CRIME")
    rates = {}
    for name, strand in (
        ("domestic", crimes.filter(pl.col("flag_domestic") == "Y")),
        ("rape", crimes.filter(pl.col("ho_offence_code").is_in(RAPE))),
    ):
        outcome = strand["outcome_type"]
        rates[name] = (outcome.is_in(["14", "16"]).mean(), (outcome == "1").mean(), (outcome == "").mean())
    wd, ch, pending = rates["domestic"]
    assert 0.18 < wd < 0.29 and 0.05 < ch < 0.12 and 0.4 < pending < 0.62
    wd, ch, pending = rates["rape"]
    assert 0.10 < wd < 0.23 and 0.005 < ch < 0.04 and 0.6 < pending < 0.8
    # No-crime decisions (median 30 days, sigma 0.9): 10% of rape records are no-crimed in the
    # end, ~58% of them by the quarter's end (e.g. P(d <= 45) = P(z <= ln(1.5) / 0.9) = 0.67);
    # as no-crimed records exist only once decided: 0.058 / (0.9 + 0.058) = 6% of the records.
    rape_records = records.filter(pl.col("ho_offence_code").is_in(RAPE))
    assert 0.03 < (rape_records["classification"] == "NO_CRIME").mean() < 0.08


# ------------------------------------------------------------------------------------------
# Calibration
# ------------------------------------------------------------------------------------------
def test_financial_year_targets_at_scale_1(fy_world):
    _, df = fy_world
    cur = current(df)
    assert fy_counts(cur, 2008) == {
        "domestic": 53_069,
        "rape": 2_180,
        "mp_rape": 93,
        "honour": 256,
        "honour_crime": 132,
    }
    c07 = fy_counts(cur, 2007)
    assert (c07["domestic"], c07["rape"]) == (50_832, 1_904)
    # realistic shares on the same data
    fy = cur.filter(pl.col("recorded_date").is_between(pl.date(2008, 4, 1), pl.date(2009, 3, 31)))
    rape_all = fy.filter(pl.col("ho_offence_code").is_in(RAPE) & pl.col("classification").is_in(["CRIME", "NO_CRIME"]))
    assert 0.06 < (rape_all["classification"] == "NO_CRIME").mean() < 0.14
    dom = fy.filter((pl.col("flag_domestic") == "Y") & (pl.col("classification") == "CRIME"))
    assert 0.80 < (dom["victim_sex"] == "F").mean() < 0.92
    inc = fy.filter((pl.col("flag_domestic") == "Y") & (pl.col("classification") == "INCIDENT"))
    assert 20_000 < inc.height < 30_000


def test_borough_month_counts_equal_published_from_april_2010(tmp_path):
    paths = write_mps_crimes(tmp_path, "2010-04", "2010-06", scale=1.0, seed=1)
    got = borough_month_counts(current(load(paths)))
    want = published_counts(1.0, ["201004", "201005", "201006"])
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


def test_targets_scale_with_rounding(tmp_path):
    scale = 0.05
    paths = write_mps_crimes(tmp_path, "2008-04", "2010-06", scale=scale, seed=5)
    cur = current(load(paths))
    c = fy_counts(cur, 2008)
    assert c == {"domestic": 2653, "rape": 109, "mp_rape": 5, "honour": 13, "honour_crime": 7}
    got = borough_month_counts(cur.filter(pl.col("recorded_date") >= pl.date(2010, 4, 1)))
    want = published_counts(scale, ["201004", "201005", "201006"])
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


def test_package_subset_matches_the_reference():
    names = {
        r["borough_name"]: r["borough_code"]
        for r in csv.DictReader(open(Path(__file__).parents[1] / "seeds" / "boroughs.csv"))
    }
    names["London Heathrow and London City Airports"] = "E09000017"
    ref: dict[tuple[str, str, str], int] = {}
    with open(REFERENCE, newline="") as f:
        for r in csv.DictReader(f):
            if r["MinorText"] in ("Rape", "Other Sexual Offences"):
                for m in ("201004", "201104", "201303", "202111"):
                    k = (r["MinorText"], names[r["LookUp_BoroughName"]], m)
                    ref[k] = ref.get(k, 0) + int(r[m] or 0)
    assert published_counts(1.0, ["201004", "201104", "201303", "202111"]) == ref


def test_charged_cases_are_the_charged_crimes_of_the_files(tmp_path):
    args = ("2009-04", "2010-03", 0.05, 2)
    cur = current(load(write_mps_crimes(tmp_path, *args)))
    in_files = cur.filter((pl.col("classification") == "CRIME") & (pl.col("outcome_type") == "1"))
    cases = mps_charged_cases(*args)
    assert sorted(zip(in_files["crime_ref"], in_files["cps_urn"])) == sorted(zip(cases["crime_ref"], cases["cps_urn"]))


# ------------------------------------------------------------------------------------------
# The export mess and the CSV writer
# ------------------------------------------------------------------------------------------
def test_files_carry_the_excel_mess(tmp_path):
    paths = write_mps_crimes(tmp_path, "2007-04", "2013-03", scale=0.005, seed=1)
    raws = [p.read_bytes() for p in paths]
    assert any(r.startswith(b"\xef\xbb\xbf") for r in raws)
    assert any(b"\r\n" in r for r in raws) and any(b"\r\n" not in r for r in raws)
    assert any(b"\n\n" in r or b"\r\n\r\n" in r for r in raws)
    headers = [read_header(p) for p in paths]
    assert any(h != COLUMNS for h in headers)  # case or order differs
    assert any([x.strip().lower() for x in h] != COLUMNS for h in headers)  # shuffled
    text = "".join(decode_extract(r) for r in raws)
    assert re.search(r",\d{1,2}/\d{1,2}/\d{4},", text) and re.search(r",\d{4}-\d{2}-\d{2},", text)
    assert re.search(r",\d/\d{1,2}/\d{4},", text)  # D/M/YYYY
    assert re.search(r",\d{2}/\d{2}/\d{4} \d{2}:\d{2},", text)  # DD/MM/YYYY HH:MM timestamps


def test_junk_types_documented():
    from pipelines.sample import mps_crimes

    for name in JUNK_TYPES:
        assert f"``{name}``" in mps_crimes.__doc__


def test_csv_lines_match_the_csv_module():
    frame = pl.DataFrame(
        {"a": ["x", "", 'say "hi"', "a,b", "line\nbreak", " pad "], "b": ["1", "2", "", "4", "\r", "é"]}
    )
    for quote_all in (False, True):
        buf = io.StringIO(newline="")  # with CRLF line ends csv quotes any field holding CR or LF
        csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(
            frame.iter_rows()
        )
        assert "\r\n".join(common.csv_lines(frame, quote_all)) + "\r\n" == buf.getvalue()


def test_rng_and_rounding_helpers():
    a = common.derive_rng(1, "mps_crimes", 2009).random(3)
    assert np.array_equal(a, common.derive_rng(1, "mps_crimes", 2009).random(3))
    assert not np.array_equal(a, common.derive_rng(1, "mps_crimes", 2010).random(3))
    assert common.round_half_up(2.5) == 3 and common.scaled(93, 0.05) == 5
    assert list(common.largest_remainder(10, np.array([1, 1, 1]))) == [4, 3, 3]
    assert [common.quarter_name(q) for q in common.quarters_overlapping("2009-03", "2009-04")] == ["2009-01", "2009-04"]
