"""The Dagster definitions load, and the quarterly schedule asks for the right partitions: one per
quarter with a file in the landing folder (docs/decisions/0024)."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.dbt_manifest import ensure_manifest

ensure_manifest()

from pipelines.definitions import load_definitions  # noqa: E402  (needs the dbt manifest)
from pipelines.defs.partitions import quarterly_partitions  # noqa: E402

defs = load_definitions()

# Dagster instances and the dbt manifest.
pytestmark = pytest.mark.slow


def test_definitions_resolve():
    job = defs.resolve_job_def("quarterly_refresh")
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"mps_crimes_landing", "mps_crimes_validated", "marts/indicators", "panel_publication"} <= keys
    assert job.partitions_def is not None
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"mps_crimes_row_accounting", "mps_crimes_quarantine_rate"} <= checks


def land(landing: Path, *names: str) -> None:
    for name in names:
        path = landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("crime_ref\n1\n")


def test_schedule_runs_every_quarter_in_the_landing_folder_up_to_the_one_just_ended(tmp_path, monkeypatch):
    monkeypatch.setenv("VAWG_LANDING", str(tmp_path / "landing"))
    # 2013-04 has started on 7 April 2013 but not ended; 1999-10 is before the first quarter
    # accepted, so neither becomes a partition.
    land(
        tmp_path / "landing",
        "mps_crimes/2012-04.csv",
        "cps_finalisations/2013-01.csv",
        "mps_crimes/2013-04.csv",
        "mps_crimes/1999-10.csv",
    )
    schedule = defs.resolve_schedule_def("quarterly_refresh_schedule")
    with dg.instance_for_test() as instance:
        # Each context is closed before the instance (a `with`): one left to the garbage collector
        # would put the closed instance back as Dagster's current one, and later runs would fail.
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=dt.datetime(2013, 4, 7, 6, 0)
        ) as april:
            [request] = schedule.evaluate_tick(april).run_requests
        assert request.run_key == "2013-01"
        assert (
            request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"],
        ) == ("2012-04", "2013-01")
        assert instance.get_dynamic_partitions(quarterly_partitions.name) == ["2012-04", "2013-01"]

        # A quarter older than every partition arrives late: it is added after them (Dagster keeps
        # the order of adding), and the run's range still spans it and the new 2013-04.
        land(tmp_path / "landing", "havens_attendances/2011-04.csv")
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=dt.datetime(2013, 7, 7, 6, 0)
        ) as july:
            [request] = schedule.evaluate_tick(july).run_requests
        assert instance.get_dynamic_partitions(quarterly_partitions.name) == [
            "2012-04",
            "2013-01",
            "2011-04",
            "2013-04",
        ]
        span = dg.PartitionKeyRange(
            request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]
        )
        with dg.partition_loading_context(dynamic_partitions_store=instance):
            assert sorted(quarterly_partitions.get_partition_keys_in_range(span)) == [
                "2011-04",
                "2012-04",
                "2013-01",
                "2013-04",
            ]


def test_schedule_skips_when_no_file_is_for_a_quarter_that_has_ended(tmp_path, monkeypatch):
    monkeypatch.setenv("VAWG_LANDING", str(tmp_path / "landing"))
    land(tmp_path / "landing", "mps_crimes/2013-04.csv")
    schedule = defs.resolve_schedule_def("quarterly_refresh_schedule")
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=dt.datetime(2013, 4, 7, 6, 0)
        ) as context:
            result = schedule.evaluate_tick(context)
        assert result.run_requests == [] and "no file for a quarter that has ended" in result.skip_message
        assert instance.get_dynamic_partitions(quarterly_partitions.name) == []


# Imports every module of the defs folder in a fresh interpreter and lists the deprecation
# warnings raised from Dagster or from this project's code (the loader itself silences Dagster's
# warnings, so the modules are imported directly). Other libraries' warnings are theirs to fix.
DEPRECATIONS = """
import json, pkgutil, warnings
from pathlib import Path
import pipelines, pipelines.defs
ours = Path(pipelines.__file__).parent
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for module in pkgutil.walk_packages(pipelines.defs.__path__, "pipelines.defs."):
        __import__(module.name)
    __import__("pipelines.definitions").definitions.defs
print(json.dumps([f"{w.filename}: {w.message}" for w in caught
                  if issubclass(w.category, (DeprecationWarning, FutureWarning))
                  and ("/dagster" in w.filename or Path(w.filename).is_relative_to(ours))]))
"""


def test_loading_the_definitions_emits_no_dagster_deprecation_warning():
    # It failed on define_asset_job(partitions_def=...) in schedules.py, deprecated in Dagster 1.13.
    done = subprocess.run(
        [sys.executable, "-c", DEPRECATIONS],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
