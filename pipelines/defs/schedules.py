"""The quarterly refresh: a few days after each quarter ends, refresh everything."""

import dagster as dg

from pipelines.defs.partitions import quarterly_partitions
from pipelines.periods import quarter_of, quarters_between

refresh_job = dg.define_asset_job(
    name="quarterly_refresh",
    selection=dg.AssetSelection.all(),
    partitions_def=quarterly_partitions,
    description="Land every quarter's files, rebuild the warehouse and publish a new vintage.",
)


@dg.schedule(job=refresh_job, cron_schedule="0 6 7 1,4,7,10 *", execution_timezone="Europe/London")
def quarterly_refresh_schedule(context: dg.ScheduleEvaluationContext):
    """Runs on the 7th of the month after each quarter, once agencies have sent their files:
    one run over every quarter from the first partition to the one just ended."""
    today = context.scheduled_execution_time.date()
    last_complete = quarters_between("2000-01", quarter_of(today))[-2]
    return dg.RunRequest(
        run_key=last_complete,
        tags={"dagster/asset_partition_range_start": "2000-01",
              "dagster/asset_partition_range_end": last_complete},
    )
