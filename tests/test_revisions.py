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

import polars as pl

from pipelines.refresh import run_refresh
from tests.conftest import copy_state, query

KEY = ["indicator_id", "category", "period_type", "period_start", "geography_type", "geography_code",
       "breakdown", "breakdown_value"]


def revise(path):
    old = "1000007/09,2009-07-05T10:00:00,E09000012,04/07/2009,05/07/2009,"
    new = "1000007/09,2009-07-20T10:00:00,E09000012,04/07/2009,20/07/2009,"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def folder_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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

    loads = query(paths, "select sha256, status, rows_read, rows_loaded, rows_quarantined from audit.loads "
                         "where source = 'mps_crimes' and file_name = '2009-07.csv' order by status")
    assert loads.rows() == [(new_sha, "accepted", 5, 4, 1), (old_sha, "superseded", 5, 4, 1)]
    # A revised quarter: the police raw table is written whole, and dbt builds every model whole.
    log = sorted((paths.warehouse.parent / "logs").glob("refresh-*.log"))[-1].read_text(encoding="utf-8")
    assert "dbt builds every model whole." in log
    record = query(paths, "select recorded_date::varchar d from marts.fct_crime_records where crime_ref = '1000007/09'")
    assert record["d"].to_list() == ["2009-07-20"]

    after = query(paths, "select * from marts.indicators")
    assert after.height == before.height
    changed = before.join(after, on=KEY, how="inner", suffix="_new", nulls_equal=True).filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in before.columns if c not in KEY))
    got = {(r["period_type"], str(r["period_start"]), r["geography_code"]):
           (r["numerator"], r["denominator"], r["numerator_new"], r["denominator_new"], round(r["value_new"], 2))
           for r in changed.iter_rows(named=True)}
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
