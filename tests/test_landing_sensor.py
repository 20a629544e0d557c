"""The file-arrival sensor: one refresh per new landing state, never beside another writer."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.sensors import SETTLE_SECONDS, landing_files_sensor
from pipelines.lock import writer_lock
from pipelines.settings import WarehousePaths

# Each test sets up a Dagster instance.
pytestmark = pytest.mark.slow


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def paths(tmp_path, monkeypatch):
    """The settings `make dagster` gives the UI, the daemon and so the sensor."""
    for name, path in (("LANDING", "landing"), ("WAREHOUSE", "warehouse.duckdb"), ("PUBLISH", "publish")):
        monkeypatch.setenv(f"VAWG_{name}", str(tmp_path / path))
    return WarehousePaths.from_env()


def tick(instance, paths, cursor=None):
    # Closed before the instance: a context left to the garbage collector would put a closed
    # instance back as Dagster's current one (tests/test_dagster_defs.py).
    with dg.build_sensor_context(instance=instance, cursor=cursor) as context:
        return landing_files_sensor.evaluate_tick(context)


def land(paths, name, text, source="mps_crimes", age_seconds=SETTLE_SECONDS + 5):
    """A landing file last modified `age_seconds` ago (a settled copy unless told otherwise)."""
    path = paths.landing / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_no_files_skips(instance, paths):
    result = tick(instance, paths)
    assert result.run_requests == [] and "holds no file" in result.skip_message


def test_a_new_file_requests_one_run_and_the_same_state_does_not_again(instance, paths):
    land(paths, "2009-04.csv", "crime_ref\n1\n")
    land(paths, "2009-07.csv", "crime_ref\n2\n")
    land(paths, "notes.txt", "not for a quarter\n")  # rejected by the refresh, but not a partition
    first = tick(instance, paths)
    [request] = first.run_requests
    assert request.run_key and first.cursor
    assert request.tags["dagster/asset_partition_range_start"] == "2009-04"
    assert request.tags["dagster/asset_partition_range_end"] == "2009-07"

    again = tick(instance, paths, cursor=first.cursor)
    assert again.run_requests == [] and "since the last refresh" in again.skip_message
    # A retried tick (its cursor lost) asks with the same run_key, which Dagster launches once.
    assert tick(instance, paths).run_requests[0].run_key == request.run_key


def test_a_changed_or_added_file_requests_a_new_run(instance, paths):
    path = land(paths, "2009-04.csv", "crime_ref\n1\n")
    first_version = path.stat().st_mtime_ns
    first = tick(instance, paths)
    land(paths, path.name, "crime_ref\n1\n2\n")  # a revision of the quarter
    revised = tick(instance, paths, cursor=first.cursor)
    [request] = revised.run_requests
    assert revised.cursor != first.cursor and request.run_key != first.run_requests[0].run_key

    land(paths, "2009-10.csv", "x\n", source="cps_finalisations")
    added = tick(instance, paths, cursor=revised.cursor)
    assert added.run_requests[0].tags["dagster/asset_partition_range_end"] == "2009-10"

    # Moving the first version back (same size and time) and removing the new file is a change
    # too: the run_key differs from the first run's, so Dagster does not drop it as a repeat.
    land(paths, path.name, "crime_ref\n1\n")
    os.utime(path, ns=(first_version, first_version))
    (paths.landing / "cps_finalisations" / "2009-10.csv").unlink()
    restored = tick(instance, paths, cursor=added.cursor)
    assert restored.cursor == first.cursor
    assert restored.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_file_still_being_copied_waits(instance, paths):
    land(paths, "2009-04.csv", "crime_ref\n1\n", age_seconds=1)
    result = tick(instance, paths)
    assert result.run_requests == [] and "may still be being copied" in result.skip_message
    assert result.cursor is None  # seen again next time


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.NOT_STARTED])
def test_a_run_in_progress_skips(instance, paths, status):
    land(paths, "2009-04.csv", "crime_ref\n1\n")
    run = instance.add_run(dg.DagsterRun(job_name="quarterly_refresh", run_id="f" * 36, status=status))
    result = tick(instance, paths)
    assert result.run_requests == []
    assert run.run_id in result.skip_message and "waiting for it to finish" in result.skip_message
    assert result.cursor is None


def test_a_held_writer_lock_skips(instance, paths):
    land(paths, "2009-04.csv", "crime_ref\n1\n")
    with writer_lock(paths.lock):
        held = tick(instance, paths)
    assert held.run_requests == [] and "Another refresh is writing warehouse.duckdb" in held.skip_message
    assert len(tick(instance, paths).run_requests) == 1  # released: the change is still there


def test_the_dagster_home_of_make_dagster_runs_one_run_at_a_time(tmp_path):
    shutil.copy(Path(__file__).parents[1] / "pipelines" / "defs" / "dagster_home.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    finally:
        instance.dispose()


HOLD_LOCK = """
import sys
from pathlib import Path
from pipelines.lock import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("taken", flush=True)
    sys.stdin.readline()
"""


def test_a_refresh_in_another_process_skips(instance, paths):
    """The sensor runs in Dagster's daemon; the refresh holding the lock is another process."""
    land(paths, "2009-04.csv", "crime_ref\n1\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(paths.lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "taken"
        held = tick(instance, paths)
        assert held.run_requests == [] and "Another refresh is writing" in held.skip_message
    finally:
        holder.communicate("\n", timeout=30)
    assert len(tick(instance, paths).run_requests) == 1


def test_the_quarters_of_new_files_become_partitions_before_the_run(instance, paths):
    """The run's range must name partitions that exist: the sensor asks Dagster to add the new
    quarters with the run (docs/decisions/0024). Names before 2000-01 or for a quarter that has
    not started are no partition: the refresh rejects those files."""
    land(paths, "2009-07.csv", "crime_ref\n1\n")
    land(paths, "1999-10.csv", "crime_ref\n1\n")
    land(paths, "2099-01.csv", "x\n", source="cps_finalisations")
    first = tick(instance, paths)
    [add] = first.dynamic_partitions_requests
    assert (add.partitions_def_name, list(add.partition_keys)) == ("landing_quarters", ["2009-07"])
    tags = first.run_requests[0].tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        "2009-07",
        "2009-07",
    )

    instance.add_dynamic_partitions("landing_quarters", ["2009-07"])  # as the daemon does with the request
    land(paths, "2009-04.csv", "crime_ref\n2\n")  # an earlier quarter, added after 2009-07
    second = tick(instance, paths, cursor=first.cursor)
    assert [list(r.partition_keys) for r in second.dynamic_partitions_requests] == [["2009-04"]]
    tags = second.run_requests[0].tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        "2009-07",
        "2009-04",
    )
