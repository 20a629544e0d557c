"""Refresh when a file lands: a sensor on the landing folder (docs/decisions/0015-file-arrival-sensor.md).

Every minute it lists the landing folder as a refresh does and compares the names, sizes and
modification times with those of the last run it requested; a difference asks for one run of
the quarterly refresh job over the quarters in the folder. It waits while a file is still being
written and while any refresh is queued or running, so that it never starts a second writer.
"""

import datetime as dt
import hashlib
import time

import dagster as dg

from pipelines.defs.partitions import keys_after_adding, quarterly_partitions, range_tags
from pipelines.defs.schedules import refresh_job
from pipelines.landing.files import landing_paths, loadable_quarters
from pipelines.lock import refresh_running
from pipelines.periods import FIRST_QUARTER
from pipelines.settings import WarehousePaths

CHECK_EVERY_SECONDS = 60
# A file modified this recently may still be being copied in; a half-copied CSV could validate.
SETTLE_SECONDS = 60

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def landing_state(landing) -> list[tuple[str, str, int, int]]:
    """(source, file name, size, mtime in ns) of every file a refresh would look at."""
    state = []
    for source, paths in landing_paths(landing).items():
        for path in paths:
            stat = path.stat()
            state.append((source, path.name, stat.st_size, stat.st_mtime_ns))
    return sorted(state)


def digest_of(state: list[tuple[str, str, int, int]]) -> str:
    return hashlib.sha256("\n".join("\t".join(map(str, f)) for f in state).encode()).hexdigest()


def runs_in_progress(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs queued or running in this Dagster home. Every job here writes the warehouse (the
    refresh job, and the UI's ad-hoc materialisations), so any of them is a writer."""
    return list(instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS), limit=5))


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=CHECK_EVERY_SECONDS,
    description="Refreshes when a landing file is added, replaced or removed (checked every "
    f"{CHECK_EVERY_SECONDS} s), once no file has changed for {SETTLE_SECONDS} s and no "
    "refresh is queued or running.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    # The runs' paths, from the same settings (pipelines/defs/bindings.py), read here rather than
    # through the `warehouse` resource: starting that resource takes the writer lock.
    paths = WarehousePaths.from_env()
    state = landing_state(paths.landing)
    digest = digest_of(state)
    if digest == context.cursor:
        return dg.SkipReason("No landing file has been added, replaced or removed since the last refresh it requested.")
    if not state:
        return dg.SkipReason(f"The landing folder {paths.landing} holds no file.")

    # The cursor stays where it was on every skip below, so the change is seen again next time.
    newest = max(mtime for *_, mtime in state)
    if time.time_ns() - newest < SETTLE_SECONDS * 1_000_000_000:
        return dg.SkipReason(
            f"A landing file changed less than {SETTLE_SECONDS} s ago and may still be being "
            "copied; waiting for it to settle."
        )
    running = runs_in_progress(context.instance)
    if running:
        return dg.SkipReason(
            f"Run {running[0].run_id} ({running[0].job_name}) is {running[0].status.value.lower()}; "
            "waiting for it to finish before refreshing."
        )
    if refresh_running(paths.lock):
        return dg.SkipReason(
            f"Another refresh is writing {paths.warehouse.name} (a `vawg refresh`); waiting for it to finish."
        )

    quarters = loadable_quarters(paths.landing, dt.date.today())
    if not quarters:
        return dg.SkipReason(
            "No landing file is named for a quarter the refresh accepts (one that has "
            f"started, from {FIRST_QUARTER}); nothing to refresh."
        )
    # New quarters become partitions before the run is launched (Dagster adds them first).
    new, ordered = keys_after_adding(context.instance.get_dynamic_partitions(quarterly_partitions.name), quarters)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                # Keyed by the previous and the new state: a retried tick never starts the same run
                # twice, while going back to an earlier state (an old file restored) still refreshes.
                run_key=hashlib.sha256(f"{context.cursor}>{digest}".encode()).hexdigest()[:32],
                tags={**range_tags(ordered, quarters), "vawg/landing_digest": digest[:16]},
            )
        ],
        dynamic_partitions_requests=[quarterly_partitions.build_add_request(new)] if new else [],
        cursor=digest,
    )
