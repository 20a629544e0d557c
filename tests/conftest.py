import fcntl
import hashlib
import os
import pickle
import shutil
import subprocess
import sys

import pytest

from helpers import FIXTURES, path_args, refuse_in_fast_lane, write_fmu
from pipelines.refresh import run_refresh
from pipelines.settings import WarehousePaths
from skip_guard import pytest_sessionfinish, pytest_terminal_summary  # noqa: F401  (a skip fails the run)

# Fixtures that run a refresh, or the sample generator at London's volume: a test that asks for
# one, directly or through another fixture, is marked `slow` and stays out of `make test-fast`.
# A module lists its own such fixtures in a module-level SLOW_FIXTURES; a test that refreshes,
# starts Dagster, Chromium or a subprocess by itself carries @pytest.mark.slow.
SLOW_FIXTURES = {"handmade", "scale1_two_year_warehouse"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(config, items):
    for item in items:
        slow = SLOW_FIXTURES | getattr(getattr(item, "module", None), "SLOW_FIXTURES", set())
        if slow & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def handmade(request, tmp_path_factory, worker_id):
    """The hand-made landing folder of all five sources (tests/fixtures/all_sources; the FMU
    spreadsheets are written here), refreshed once for the whole session. Read it, never write
    it (copy_state gives a copy to refresh): under `pytest -n 2` both workers share it — the
    first to need it builds it while the other waits on a lock, which saves a refresh."""
    refuse_in_fast_lane(request, "handmade")
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
def scale1_two_year_warehouse(request, tmp_path_factory):
    """FY2007/08 and FY2008/09 at London's real volume (scale 1), sampled and refreshed by the
    command line as a newcomer runs it: the completed refresh and its paths. Its tests share the
    xdist group `scale1_two_year`, so that one worker builds it once."""
    refuse_in_fast_lane(request, "scale1_two_year_warehouse")
    tmp = tmp_path_factory.mktemp("scale1_two_year")
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    vawg = [sys.executable, "-m", "pipelines.cli"]
    done = subprocess.run(
        [*vawg, "sample", "--landing", str(paths.landing), "--start", "2007-04", "--end", "2009-03", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [*vawg, "refresh", *path_args(paths)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done, paths


@pytest.fixture(scope="session")
def police_handmade(handmade):
    return handmade
