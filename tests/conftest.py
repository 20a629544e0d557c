import datetime as dt
import fcntl
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.refresh import run_refresh
from pipelines.settings import WarehousePaths
from skip_guard import pytest_sessionfinish, pytest_terminal_summary  # noqa: F401  (a skip fails the run)

FIXTURES = Path(__file__).parent / "fixtures"


def query(paths: WarehousePaths, sql: str, params=None) -> pl.DataFrame:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.sql(sql, params=params or None).pl()


def copy_state(fixture: WarehousePaths, tmp: Path, store: bool = False) -> WarehousePaths:
    """A copy of a refreshed state (landing, publication, warehouse, and the raw store when
    asked) to refresh again without touching the session's fixture."""
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    shutil.copytree(fixture.landing, paths.landing)
    shutil.copytree(fixture.publish, paths.publish, symlinks=True)
    if store:
        shutil.copytree(fixture.store, paths.store)
    shutil.copy2(fixture.warehouse, paths.warehouse)
    return paths


@pytest.fixture(scope="session")
def handmade(tmp_path_factory, worker_id):
    """The hand-made landing folder of all five sources (tests/fixtures/all_sources; the FMU
    spreadsheets are written here), refreshed once for the whole session. Read it, never write
    it (copy_state gives a copy to refresh): under `pytest -n 2` both workers share it — the
    first to need it builds it while the other waits on a lock, which saves a refresh."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # this session's folder, shared by its workers
    tmp = root / "handmade"
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    with open(root / "handmade.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = tmp / "outcome.pickle"
        if not done.exists():
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(FIXTURES / "all_sources", paths.landing)
            write_fmu(paths.landing / "fmu_cases")
            outcome = run_refresh(paths)
            assert outcome.exit_code == 0, outcome.message + outcome.detail
            done.write_bytes(pickle.dumps(outcome))
        outcome = pickle.loads(done.read_bytes())
    before = _state_of(paths)
    yield paths, outcome
    assert _state_of(paths) == before, "a test wrote into the shared hand-made state: copy it (copy_state) first"


def _state_of(paths: WarehousePaths) -> tuple[str, str]:
    """The warehouse's bytes and the vintage `latest` names: what a refresh of it would change."""
    return hashlib.sha256(paths.warehouse.read_bytes()).hexdigest(), os.readlink(paths.publish / "latest")


@pytest.fixture(scope="session")
def box2_warehouse(tmp_path_factory):
    """FY2007/08 and FY2008/09 at London's real volume (scale 1), sampled and refreshed by the
    command line as a newcomer runs it: the completed refresh and its paths."""
    tmp = tmp_path_factory.mktemp("box2")
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    vawg = [sys.executable, "-m", "pipelines.cli"]
    done = subprocess.run([*vawg, "sample", "--landing", str(paths.landing), "--start", "2007-04", "--end", "2009-03",
                           "--seed", "7"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*vawg, "refresh", "--landing", str(paths.landing), "--warehouse", str(paths.warehouse),
                           "--publish", str(paths.publish)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done, paths


@pytest.fixture(scope="session")
def police_handmade(handmade):
    return handmade


def write_fmu(folder):
    rows = {
        "2009-04": [("FMU/0901", dt.date(2009, 5, 1), "London", "Female", "18-21", "Pakistan", "No", "No", "Advice"),
                    ("FMU/0902", dt.date(2009, 5, 2), "West Midlands", "Male", "22-25", "India", "No", "Yes", "Support"),
                    ("FMU/0903", dt.date(2009, 6, 3), "Scotland", "Female", "26-30", "Bangladesh", "Yes", "No", "Support")],
        "2009-07": [("FMU/0904", dt.date(2009, 8, 1), "London", "Female", "Under 16", "Somalia", "No", "No", "Overseas assistance")],
        "2009-10": [("FMU/0905", dt.date(2009, 11, 1), "Unknown", "Unknown", "Unknown", "Unknown", "Unknown", "Unknown", "Advice")],
        "2010-01": [],
    }
    folder.mkdir()
    for quarter, cases in rows.items():
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Case Reference", "Date Opened", "UK Region", "Gender", "Age Band", "Focus Country",
                      "Disability", "LGBT", "Case Type"])
        for case in cases:
            sheet.append(case)
        book.save(folder / f"{quarter}.xlsx")



