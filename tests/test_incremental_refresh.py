"""A new quarter on an existing warehouse: the refresh keeps the previous warehouse's raw tables
and police models, adds only the new file, rebuilds only the records it touches, and ends with
exactly the warehouse a refresh from scratch builds (docs/decisions/0017).

The hand-made warehouse (tests/fixtures/all_sources, four quarters of FY 2009/10) is refreshed
again with the police file of 2010-04 (it came before the other agencies'), which holds:
  - 1000013/10, a new record (20A, other sexual offences, recorded 10/04/2010, no outcome);
  - 1000002/09 resent in its April 2009 state (last modified 15/04/2009): the version of
    2009-07 (last modified 01/08/2009, outcome 1 = charged) stays current;
  - 1000008/09 (stalking, 8L, in scope since 2009-07) revised to 28A, a burglary code in no
    VAWG strand, with no flag: the record leaves scope (the version is accepted, not
    quarantined, because an earlier version was in scope), so it must leave
    marts.fct_crime_records although no new row replaces it there.
So the records to rebuild are exactly 1000002/09, 1000008/09 and 1000013/10.
"""

import json
import subprocess
import sys

import polars as pl
import pytest

from helpers import copy_state, query
from pipelines import build_file
from pipelines.compare import differing_tables
from pipelines.defs.source_family import _empty_rows
from pipelines.refresh import run_refresh
from pipelines.settings import WarehousePaths

NEW_QUARTER = "2010-04"
NEW_POLICE_ROWS = """\
1000013/10,2010-04-10T10:00:00,E09000012,10/04/2010,10/04/2010,,20A,CRIME,,N,N,N,N,N,,,,F,23,W1,IC1,N,NS,M,31,W1
1000002/09,2009-04-15T10:00:00,E09000012,15/04/2009,15/04/2009,,8G,CRIME,,Y,N,N,N,N,,,,F,30,NS,IC1,U,NS,M,33,
1000008/09,2010-05-10T10:00:00,E09000013,01/08/2009,01/08/2009,,28A,CRIME,,N,N,N,N,N,14,01/09/2009,,F,35,B1,IC3,N,HET,M,40,B1
"""
# The tests share one fixture (two refreshes): one test worker runs them all. It is
# session-scoped because that worker may run other modules' tests between these, and pytest
# would build a module fixture again after each such interruption.
pytestmark = pytest.mark.xdist_group("incremental")


@pytest.fixture(scope="session")
def added_quarter(handmade, tmp_path_factory):
    """The hand-made warehouse refreshed again with the police file of 2010-04; the same landing
    folder refreshed from scratch; the run that built the hand-made warehouse."""
    fixture, _ = handmade
    tmp = tmp_path_factory.mktemp("incremental")
    paths = copy_state(fixture, tmp / "kept", store=True)
    first_runs = query(paths, "select distinct added_in_run from audit.raw_parts")["added_in_run"].to_list()
    header = (paths.landing / "mps_crimes" / "2010-01.csv").read_text(encoding="utf-8").splitlines()[0]
    (paths.landing / "mps_crimes" / f"{NEW_QUARTER}.csv").write_text(header + "\n" + NEW_POLICE_ROWS, encoding="utf-8")
    outcome = run_refresh(paths)
    assert outcome.exit_code == 0, outcome.message + outcome.detail

    scratch = WarehousePaths.of(paths.landing, tmp / "scratch" / "warehouse.duckdb", tmp / "scratch" / "publish")
    outcome = run_refresh(scratch)
    assert outcome.exit_code == 0, outcome.message + outcome.detail
    return paths, scratch, first_runs


def test_the_new_file_is_added_to_the_kept_raw_tables(added_quarter):
    paths, _, first_runs = added_quarter
    parts = query(paths, "select source, quarter, added_in_run from audit.raw_parts order by source, quarter")
    # Five sources with a file for each of four quarters (FMU's spreadsheets included), added
    # by the hand-made refresh; and the police file of 2010-04, added by this one.
    assert parts.height == 21
    new = parts.filter((parts["source"] == "mps_crimes") & (parts["quarter"] == NEW_QUARTER))
    old = parts.filter(~((parts["source"] == "mps_crimes") & (parts["quarter"] == NEW_QUARTER)))
    assert len(first_runs) == 1 and set(old["added_in_run"]) == set(first_runs)
    assert new.height == 1 and set(new["added_in_run"]).isdisjoint(first_runs)
    log = sorted((paths.warehouse.parent / "logs").glob("refresh-*.log"))[-1].read_text(encoding="utf-8")
    assert "dbt builds the police records incrementally." in log


def test_only_the_records_the_new_police_file_touches_are_rebuilt(added_quarter):
    paths, scratch, _ = added_quarter
    changed = query(paths, "select crime_ref from intermediate.int_crime_records_changed order by crime_ref")
    assert changed["crime_ref"].to_list() == ["1000002/09", "1000008/09", "1000013/10"]
    records = query(
        paths,
        "select crime_ref, last_file_quarter, outcome_type_code from marts.fct_crime_records "
        "where crime_ref in ('1000002/09', '1000008/09', '1000013/10') order by crime_ref",
    )
    # 1000002/09: its 2009-07 version (charged) is newer than the April state resent in 2010-04.
    # 1000008/09: left scope. 1000013/10: new, no outcome yet.
    assert records.rows() == [("1000002/09", "2009-07", "1"), ("1000013/10", "2010-04", None)]


def test_the_kept_warehouse_equals_one_built_from_scratch(added_quarter):
    paths, scratch, _ = added_quarter
    compared, differing = differing_tables(paths.warehouse, scratch.warehouse)
    assert compared > 40 and differing == []  # raw, audit, reference, intermediate and marts tables
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == (
        scratch.publish / "latest" / "indicators.csv"
    ).read_bytes()


def test_the_incremental_dbt_run_leaves_out_what_the_same_code_proved(added_quarter):
    """Decision 0018: no seeds (the copied warehouse's code built them), and the police key
    tests select the changed records; from scratch, every seed, model and test. No refresh runs
    dbt's unit tests: they test the code, in tests/test_dbt_unit_tests.py (decision 0009)."""
    paths, scratch, _ = added_quarter

    def kinds(p: WarehousePaths) -> set[str]:
        results = json.loads((p.dbt_folder / "run_results.json").read_text(encoding="utf-8"))["results"]
        return {r["unique_id"].split(".")[0] for r in results}

    assert kinds(paths) == {"model", "test"}
    assert kinds(scratch) == {"model", "seed", "test"}


def _run_args(p: WarehousePaths) -> dict:
    return json.loads((p.dbt_folder / "run_results.json").read_text(encoding="utf-8"))["args"]


def test_dbt_learns_the_incremental_run_from_the_build_file_not_a_var(added_quarter):
    """Decision 0033: the refresh gives dbt only vars that stay the same from one refresh to the
    next (the warehouse's link and DuckDB's memory limit), so dbt parses only what changed; the
    run id is a row of audit.incremental_run, and a whole build is `dbt build --full-refresh`."""
    paths, scratch, first_runs = added_quarter
    latest = query(paths, "select added_in_run from audit.raw_parts where quarter = '2010-04'")["added_in_run"][0]
    assert query(paths, "select run_id from audit.incremental_run")["run_id"].to_list() == [latest]
    assert query(scratch, "select count(*) as n from audit.incremental_run")["n"][0] == 0
    incremental, whole = _run_args(paths), _run_args(scratch)
    assert (
        set(incremental["vars"])
        == set(whole["vars"])
        == {"duckdb_path", "duckdb_memory_limit", "duckdb_temp_directory"}
    )
    assert incremental["vars"]["duckdb_path"] == str(paths.dbt_folder / paths.warehouse.name)
    assert latest not in json.dumps(incremental) and first_runs[0] not in json.dumps(incremental)
    # dbt records only the flags given: no full_refresh key means the default, False.
    assert incremental.get("full_refresh", False) is False and whole.get("full_refresh") is True


def test_the_police_key_tests_check_the_changed_records_only_after_an_incremental_run(added_quarter):
    """The `where` of the categories' key test (a var of dbt_project.yml, plain SQL), run on
    each warehouse: after the incremental refresh it keeps the categories of the records the
    new file touched that are still in scope (1000002/09 and 1000013/10; 1000008/09 left
    scope, so it has no category); on the warehouse built from scratch, every record with a
    category (10 of the 13 hand-made records)."""
    paths, scratch, _ = added_quarter
    manifest = json.loads((paths.dbt_folder / "manifest.json").read_text(encoding="utf-8"))
    where = next(
        n["config"]["where"]
        for n in manifest["nodes"].values()
        if n["name"] == "primary_key_int_crime_record_categories_crime_ref__category"
    )
    checked = f"select distinct crime_ref from intermediate.int_crime_record_categories where {where} order by 1"
    assert query(paths, checked)["crime_ref"].to_list() == ["1000002/09", "1000013/10"]
    every = query(scratch, "select distinct crime_ref from intermediate.int_crime_record_categories order by 1")
    assert query(scratch, checked)["crime_ref"].to_list() == every["crime_ref"].to_list() and every.height == 10


@pytest.mark.slow  # runs pytest in a subprocess
def test_the_group_keeps_these_tests_on_one_worker(request, worker_id, tmp_path):
    """pytest-xdist's loadgroup gives a grouped test's id its group; with pytest 9.2 it silently
    does not (pytest-xdist issue 1386) and both workers would build the two refreshes above
    (decision 0019)."""
    # On a worker, xdist sets `dist` to "no" and keeps whether the run groups in `loadgroup`.
    if worker_id != "master" and request.config.getoption("loadgroup", False):
        assert request.node.nodeid.endswith("@incremental")
        return
    # Run any other way (one module, no workers): this test alone, as `make test` runs it. Only
    # its module is imported, so no refresh is built.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1",
                           "--dist", "loadgroup", f"--basetemp={tmp_path / 'run'}", request.node.nodeid],
                          capture_output=True, text=True, timeout=300, cwd=request.config.rootpath)  # fmt: skip  # continued lines aligned under the opening bracket
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


def test_a_source_with_no_accepted_file_gets_an_empty_table_and_no_parts(tmp_path):
    # e.g. a landing folder of police files only: the other sources' raw tables are empty.
    con = build_file.connect(tmp_path / "build.duckdb")
    no_parts = pl.DataFrame(schema={"quarter": pl.Utf8, "file_name": pl.Utf8, "sha256": pl.Utf8, "path": pl.Utf8})
    nothing_out = pl.DataFrame(schema={"file_sha256": pl.Utf8, "row_number": pl.Int64, "rule": pl.Utf8})
    loaded = build_file.replace_source_rows(
        con, "cps_finalisations", no_parts, nothing_out, _empty_rows("cps_finalisations"), lambda rows: {}, "run-1"
    )
    assert loaded == 0
    assert con.sql("select count(*) from audit.raw_parts").fetchall() == [(0,)]
    assert not build_file.appended_only(con, "run-1")  # nothing kept: dbt builds every model whole
