"""The Dagster definitions load, and the quarterly schedule asks for the right partitions."""
import datetime as dt

import dagster as dg

from pipelines.dbt_manifest import ensure_manifest

ensure_manifest()

from pipelines.defs import defs  # noqa: E402  (needs the dbt manifest)


def test_definitions_resolve():
    job = defs.resolve_job_def("quarterly_refresh")
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"mps_crimes_landing", "mps_crimes_validated", "marts/indicators", "panel_publication"} <= keys
    assert job.partitions_def is not None
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"mps_crimes_row_accounting", "mps_crimes_quarantine_rate"} <= checks


def test_schedule_runs_every_quarter_up_to_the_one_just_ended():
    schedule = defs.resolve_schedule_def("quarterly_refresh_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2013, 4, 7, 6, 0))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2000-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2013-01"
