"""Issue 21: landing files validated side by side, and DuckDB spilling under its memory limit
instead of failing (docs/decisions/0034-flat-memory.md, 0035-parallel-landing.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import polars as pl

from pipelines import build_file
from pipelines.compare import differing_tables
from pipelines.landing import load
from pipelines.landing.files import discover
from pipelines.refresh import run_refresh
from pipelines.store import RawStore
from helpers import FIXTURES, copy_state

POLICE = FIXTURES / "all_sources" / "mps_crimes"


def _police_landing(root: Path) -> Path:
    """The four hand-made police files, a twin of 2010-01 as 2010-04 (same bytes, so the same
    version: validated once) and a spreadsheet renamed 2010-07.csv (rejected whole)."""
    landing = root / "landing"
    shutil.copytree(POLICE, landing / "mps_crimes")
    shutil.copyfile(POLICE / "2010-01.csv", landing / "mps_crimes" / "2010-04.csv")
    (landing / "mps_crimes" / "2010-07.csv").write_bytes(b"PK\x03\x04 not a text file")
    return landing


def _land(root: Path, workers: str, monkeypatch) -> tuple[list[dict], RawStore]:
    monkeypatch.setenv("VAWG_LOAD_WORKERS", workers)
    store = RawStore(root / "store")
    return load.land_files(store, discover(_police_landing(root), dt.date(2011, 1, 1))), store


def test_files_validated_side_by_side_give_the_audit_of_one_at_a_time(tmp_path, monkeypatch):
    # Hand-made files of a few bytes: let the workers start anyway.
    monkeypatch.setattr(load, "PARALLEL_FROM_BYTES", 0)
    store = RawStore(tmp_path / "probe")
    files = [f for f in discover(_police_landing(tmp_path / "probe"), dt.date(2011, 1, 1)) if not f.rejected_reason]
    monkeypatch.setenv("VAWG_LOAD_WORKERS", "2")
    outcomes = load.validate_side_by_side(store, files[:4], lambda f: None)
    # Four different versions, each validated by a worker process: rows read = lines - header;
    # 2009-07's row 5 (borough E09000001, the City of London) breaks invalid_code.
    assert {p.name: (o["rows_read"], o["rows_loaded"], o["rows_quarantined"]) for p, o in outcomes.items()} == {
        "2009-04.csv": (6, 6, 0),
        "2009-07.csv": (5, 4, 1),
        "2009-10.csv": (3, 3, 0),
        "2010-01.csv": (2, 2, 0),
    }
    assert not list(store.root.rglob("*.tmp"))

    one, one_store = _land(tmp_path / "one", "1", monkeypatch)
    two, two_store = _land(tmp_path / "two", "2", monkeypatch)
    # The same sightings in the same order: 2010-04 is 2010-01's version seen again, and the
    # renamed spreadsheet is rejected with the reader's sentence.
    assert [(e["file_name"], e["status"], e.get("rows_read"), e.get("rows_quarantined")) for e in two] == [
        ("2009-04.csv", "accepted", 6, 0),
        ("2009-07.csv", "accepted", 5, 1),
        ("2009-10.csv", "accepted", 3, 0),
        ("2010-01.csv", "accepted", 2, 0),
        ("2010-04.csv", "accepted", 2, 0),
        ("2010-07.csv", "rejected", None, None),
    ]
    assert two == one
    assert (
        two[-1]["reason"]
        == "mps_crimes/2010-07.csv is not a CSV text file: it looks like a zip archive or Excel workbook."
    )
    assert one_store.events().drop("loaded_at").equals(two_store.events().drop("loaded_at"))
    for kind in ("accepted", "quarantine", "warnings"):
        for path in sorted((one_store.root / "mps_crimes").glob(f"*.{kind}.parquet")):
            assert pl.read_parquet(path).equals(pl.read_parquet(two_store.root / "mps_crimes" / path.name))


def test_a_refresh_spills_under_a_small_duckdb_memory_limit(handmade, tmp_path, monkeypatch):
    """The hand-made warehouse refreshed again, every table rebuilt, with DuckDB held to 200 MB in every
    connection (the build file, dbt, the publication) is the same warehouse; a query that
    needs more than 200 MB, in the same settings, spills to the folder beside the warehouse."""
    monkeypatch.setenv("VAWG_DUCKDB_MEMORY_LIMIT", "200MB")
    monkeypatch.setenv("VAWG_REBUILD", "1")  # every table written again, not copied
    paths = copy_state(handmade[0], tmp_path, store=True)
    outcome = run_refresh(paths)
    assert outcome.exit_code == 0, outcome.message + outcome.detail
    # dbt's profile got the same limit and a spill folder of its own beside the warehouse (its vars)
    dbt_vars = json.loads((paths.dbt_folder / "run_results.json").read_text(encoding="utf-8"))["args"]["vars"]
    assert (dbt_vars["duckdb_memory_limit"], dbt_vars["duckdb_temp_directory"]) == (
        "200MB",
        str(tmp_path / "warehouse.duckdb.tmp-dbt"),
    )
    assert not list(tmp_path.glob("warehouse.duckdb.tmp-*"))  # removed with the refresh's other leftovers
    compared, differing = differing_tables(paths.warehouse, handmade[0].warehouse)
    assert compared > 40 and differing == []

    spill = tmp_path / f"warehouse.duckdb.tmp-process-{os.getpid()}"
    con = build_file.connect(tmp_path / "spill.duckdb", previous=paths.warehouse)
    try:
        assert con.sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall() == [
            ("190.7 MiB", str(spill))
        ]
        con.execute("set enable_progress_bar = false")
        con.execute("pragma enable_profiling = 'no_output'")
        con.execute("set tracked_metrics = ['system.*']")
        # Two million distinct 64-character texts, grouped and sorted: 128 MB of text alone,
        # more than 200 MB with the hash table and the sort's runs; each text is counted once.
        rows = con.sql(
            "select count(*), max(n) from (select s, count(*) as n from (select md5(range::varchar) || "
            "md5((range + 1)::varchar) as s from range(2000000)) group by s order by s)"
        ).fetchall()
        spilled = json.loads(con.get_profiling_information(format="json"))["system"]
        assert rows == [(2_000_000, 1)]
        assert spilled["total_bytes_spilled"] > 0 and spilled["peak_temp_dir_size"] > 0
        assert spill.is_dir()
    finally:
        con.close()
