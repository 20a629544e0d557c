"""`vawg refresh`: run the Dagster asset graph in-process, the same one the schedule runs."""

from __future__ import annotations

import datetime as dt
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Callable

import duckdb

from pipelines import progress
from pipelines.leftovers import remove_leftovers
from pipelines.lock import writer_lock
from pipelines.settings import WarehousePaths


@dataclass
class RefreshOutcome:
    exit_code: int
    message: str
    summary: dict = field(default_factory=dict)
    detail: str = ""


def _log_file(paths: WarehousePaths):
    """One log file per refresh, beside the warehouse (logs/refresh-<UTC time>.log)."""
    folder = paths.warehouse.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / dt.datetime.now(dt.timezone.utc).strftime("refresh-%Y%m%dT%H%M%SZ.log")


def failure_sentence(result) -> tuple[str, str]:
    """The failed step's sentence (pipelines/failures.py), and its traceback for --debug."""
    from pipelines.failures import sentence

    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            check = event.asset_check_evaluation_data
            if not check.passed and check.blocking and check.description and check.severity.value == "ERROR":
                return check.description, ""
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            detail = error.to_string() if error else ""
            if user and user.description:
                traceback = user.metadata.get("traceback")
                return user.description, traceback.value if traceback else detail
            while error.cause is not None and error.cls_name in (
                "DagsterExecutionStepExecutionError",
                "DagsterUserCodeExecutionError",
            ):
                error = error.cause
            return sentence(event.step_key, error.message or error.cls_name), detail
        if event.event_type_value == "RESOURCE_INIT_FAILURE" and event.engine_event_data.error:
            error = event.engine_event_data.error  # the writer lock was busy: a sentence already
            return error.message.strip().split(": ", 1)[-1], error.to_string()
    return "The refresh failed.", ""


def run_refresh(
    paths: WarehousePaths,
    as_of: str | None = None,
    on_step: Callable[[str], None] = lambda s: None,
    wait_seconds: float = 0.0,
    from_store: bool = False,
) -> RefreshOutcome:
    """Refresh from the landing folder, or (`from_store`) rebuild from the raw store alone
    without reading the landing folder."""
    from pipelines.landing.files import landing_problem
    from pipelines.lock import WarehouseBusy

    problem = _store_problem(paths) if from_store else landing_problem(paths.landing)
    if problem:
        return RefreshOutcome(2, problem)
    try:
        with writer_lock(paths.lock, wait_seconds):
            return _run_locked(paths, as_of, on_step, from_store)
    except WarehouseBusy as busy:
        return RefreshOutcome(1, str(busy))


def _store_problem(paths: WarehousePaths) -> str | None:
    from pipelines.store import RawStore

    if not RawStore(paths.store).has_accepted_version():
        return (
            f"There is nothing to rebuild from: the raw store {paths.store} holds no accepted file; "
            "refresh from a landing folder instead (--landing)."
        )
    return None


def _run_locked(paths: WarehousePaths, as_of: str | None, on_step, from_store: bool) -> RefreshOutcome:
    remove_leftovers(paths)  # of a refresh that died; the lock says nobody is using them
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)

    from pipelines.landing.files import loadable_quarters
    from pipelines.store import RawStore

    today = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    quarters = [] if from_store else loadable_quarters(paths.landing, today)
    if not quarters and not RawStore(paths.store).has_accepted_version():
        # dbt's tests would fail on a warehouse without a row, with a test's name for a reason.
        return RefreshOutcome(
            1,
            f"No file in the landing folder {paths.landing} can be loaded and the raw store "
            f"{paths.store} holds none, so there is nothing to publish; `vawg validate "
            f"--landing {paths.landing}` says why each file would be rejected.",
        )

    from pipelines.dbt_manifest import ensure_manifest

    ensure_manifest()
    import dagster as dg

    from pipelines.definitions import load_definitions
    from pipelines.defs.bindings import build_resources
    from pipelines.defs.partitions import register_quarters

    definitions = load_definitions()

    instance = dg.DagsterInstance.ephemeral()
    tags, selection = {}, dg.AssetSelection.all()
    if quarters:
        tags = register_quarters(instance, quarters)
    else:
        # No quarter to land: rebuild from the raw store (and record the landing's rejected files).
        selection = dg.AssetSelection.all() - dg.AssetSelection.assets(
            *[a for a in definitions.assets if a.partitions_def is not None]
        )

    log_file = _log_file(paths)
    progress.listen(on_step)
    try:
        # Dagster's and dbt's own output goes to the refresh's log file, not the terminal.
        with open(log_file, "a", encoding="utf-8") as log, redirect_stdout(log), redirect_stderr(log):
            result = dg.materialize(
                [*definitions.assets, *definitions.asset_checks],
                instance=instance,
                resources=build_resources(paths, as_of=as_of, from_store=from_store),
                tags=tags,
                selection=selection,
                raise_on_error=False,
            )
    finally:
        progress.listen(None)
        remove_leftovers(paths)  # this run's build file, when it failed
    if not result.success:
        message, detail = failure_sentence(result)
        return RefreshOutcome(1, message, detail=detail + f"\nLog: {log_file}")
    summary = summarise(paths, from_store)
    code = 3 if summary["rejected_files"] else 0
    return RefreshOutcome(code, "Published." if code == 0 else "Published, but some files were rejected.", summary)


def summarise(paths: WarehousePaths, from_store: bool = False) -> dict:
    """The refresh's summary: per source, the landing folder's files (or, for a rebuild from the
    raw store, the stored current version of each quarter) and their rows."""
    import json

    latest = paths.publish / "latest"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    from pipelines.settings import duckdb_config

    with duckdb.connect(str(paths.warehouse), read_only=True, config=duckdb_config(paths.warehouse)) as con:
        files = (
            con.sql("""
            select source, count(*) as files, sum(coalesce(rows_read, 0)) as rows_read,
                   sum(coalesce(rows_loaded, 0)) as rows_loaded,
                   sum(coalesce(rows_quarantined, 0)) as rows_quarantined,
                   sum(coalesce(warnings, 0)) as warnings, 0 as rejected
            from audit.loads where status = 'accepted'
            group by source order by source""")
            .pl()
            .to_dicts()
            if from_store
            else con.sql("""
            select f.source, count(*) as files, sum(coalesce(l.rows_read, 0)) as rows_read,
                   sum(coalesce(l.rows_loaded, 0)) as rows_loaded,
                   sum(coalesce(l.rows_quarantined, 0)) as rows_quarantined,
                   sum(coalesce(l.warnings, 0)) as warnings,
                   count(*) filter (where f.status = 'rejected') as rejected
            from audit.landing_files f
            left join audit.loads l on l.source = f.source and l.sha256 = f.sha256
                and l.file_name = f.file_name and l.status <> 'rejected'
            group by f.source order by f.source""")
            .pl()
            .to_dicts()
        )
        indicators = con.sql("select count(distinct indicator_id) from marts.indicators").fetchall()[0][0]
    return {
        "sources": files,
        "rejected_files": manifest["rejected_files"],
        "missing_service_returns": manifest["missing_service_returns"],
        "absent": manifest["absent"],
        "indicators_published": indicators,
        "dataset_rows": manifest["dataset"]["rows"],
        "vintage": manifest["vintage"],
        "warehouse": str(paths.warehouse),
        "publication": str((paths.publish / manifest["vintage"])),
        "latest": str(latest),
        "from_store": from_store,
    }
