"""One writer at a time, also for runs that Dagster launches (the UI and the quarterly schedule).

A run holds the writer lock through its `warehouse` resource for its whole length, removes what
a dead refresh left behind once it holds it, and fails with the CLI's sentence when another
refresh is writing. `vawg refresh` takes the lock itself; the resource sees that and does not
take it twice (tests/test_crash_safety.py runs two at once through the CLI).
"""

import fcntl
import os
import subprocess
import sys

import dagster as dg
import pytest

from pipelines.defs.resources import WarehouseResource
from pipelines.refresh import failure_sentence
from pipelines.settings import WarehousePaths

# Dagster runs and a second process.
pytestmark = pytest.mark.slow


# Another process (a `vawg refresh` started meanwhile) trying to take the lock.
TRY_LOCK = """
import sys
from pathlib import Path
from pipelines.lock import WarehouseBusy, writer_lock
try:
    with writer_lock(Path(sys.argv[1])):
        print("taken")
except WarehouseBusy as busy:
    print(busy)
"""

BUSY = "Another refresh is writing warehouse.duckdb; try again when it has finished."


def other_process_tries(paths: WarehousePaths) -> str:
    return subprocess.run(
        [sys.executable, "-c", TRY_LOCK, str(paths.lock)], capture_output=True, text=True, check=True
    ).stdout.strip()


def resource(paths: WarehousePaths) -> WarehouseResource:
    return WarehouseResource(landing=str(paths.landing), warehouse=str(paths.warehouse), publish=str(paths.publish))


def test_a_dagster_run_holds_the_lock_and_clears_what_a_dead_refresh_left(tmp_path):
    paths = WarehousePaths.of(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    build = tmp_path / "warehouse.duckdb.build-deadbeef"
    vintage = paths.publish / ".building-20200101T000000Z"
    part = paths.store / "mps_crimes" / "abc.accepted.parquet.tmp"
    for folder in (vintage, part.parent):
        folder.mkdir(parents=True)
    for path in (build, vintage / "indicators.csv", part):
        path.write_text("half-written")
    (paths.publish / "20190101T000000Z").mkdir()  # a published vintage: kept
    seen = {}

    @dg.asset
    def probe(warehouse: WarehouseResource) -> None:
        seen["left behind"] = [p.exists() for p in (build, vintage, part)]
        seen["other process"] = other_process_tries(warehouse.paths)

    result = dg.materialize([probe], resources={"warehouse": resource(paths)}, raise_on_error=False)
    assert result.success
    assert seen == {"left behind": [False, False, False], "other process": BUSY}
    assert sorted(p.name for p in paths.publish.iterdir()) == ["20190101T000000Z"]
    assert other_process_tries(paths) == "taken"  # released when the run ended


def test_a_dagster_run_that_finds_a_refresh_writing_fails_with_the_cli_sentence(tmp_path):
    paths = WarehousePaths.of(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "publish")
    build = tmp_path / "warehouse.duckdb.build-0123abcd"  # the running refresh's: not touched
    build.write_text("being built")
    ran = []

    @dg.asset
    def probe(warehouse: WarehouseResource) -> None:
        ran.append(True)

    fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as `vawg refresh` in another process holds it
        result = dg.materialize([probe], resources={"warehouse": resource(paths)}, raise_on_error=False)
    finally:
        os.close(fd)
    assert not result.success and ran == []
    assert failure_sentence(result)[0] == BUSY
    [init_failure] = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert init_failure.engine_event_data.error.message.strip().endswith(BUSY)
    assert build.read_text() == "being built"
