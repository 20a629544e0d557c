"""The quarterly refresh: a few days after each quarter ends, refresh everything."""

import datetime as dt

import dagster as dg

from pipelines.defs.partitions import register_quarters
from pipelines.landing.files import loadable_quarters
from pipelines.periods import quarter_of, quarter_start
from pipelines.settings import WarehousePaths

refresh_job = dg.define_asset_job(
    name="quarterly_refresh",
    # Partitioned by the landing assets' quarters: Dagster infers it from the selection.
    selection=dg.AssetSelection.all(),
    description="Land every quarter's files, rebuild the warehouse and publish a new vintage.",
)


@dg.schedule(job=refresh_job, cron_schedule="0 6 7 1,4,7,10 *", execution_timezone="Europe/London")
def quarterly_refresh_schedule(context: dg.ScheduleEvaluationContext):
    """Runs on the 7th of the month after each quarter, once agencies have sent their files:
    one run over every quarter in the landing folder up to the one just ended."""
    today = context.scheduled_execution_time.date()
    just_ended = quarter_of(quarter_start(quarter_of(today)) - dt.timedelta(days=1))
    landing = WarehousePaths.from_env().landing
    quarters = [q for q in loadable_quarters(landing, today) if q <= just_ended]
    if not quarters:
        return dg.SkipReason(
            f"The landing folder {landing} holds no file for a quarter that has ended; nothing to refresh."
        )
    # A schedule cannot ask for partitions to be added as a sensor can: it adds them itself.
    return dg.RunRequest(run_key=just_ended, tags=register_quarters(context.instance, quarters))
