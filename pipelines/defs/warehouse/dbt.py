"""The dbt project (staging, intermediate, marts, indicators), built into the run's new warehouse."""

import json
import shutil
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
import duckdb

from pipelines import progress
from pipelines.build_file import appended_only, record_incremental_run
from pipelines.dbt_manifest import ensure_manifest
from pipelines.failures import one_sentence
from pipelines.defs.resources import WarehouseResource
from pipelines.project_files import DBT_DIR
from pipelines.settings import duckdb_config

# Not DbtProject.prepare_if_dev(): under `dagster dev` it parses with whatever `dbt` is on PATH,
# and into the project's own target folder. ensure_manifest parses with the environment's dbt,
# beside the warehouse, and only when the project changed.
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR, target_path=ensure_manifest().parent)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def vawg_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Every dbt model and seed, with its tests as asset checks, built into the run's new warehouse file."""
    with one_sentence(context):
        build_file = warehouse.build_file(context.run.run_id)
        if not build_file.exists():
            raise dg.Failure(
                f"The warehouse being built ({build_file.name}) does not exist: "
                "materialize the validated source tables in the same run."
            )
        appended = _incremental_run(build_file, warehouse.paths.warehouse, context.run.run_id)
        context.log.info(
            "dbt builds the police records incrementally." if appended else "dbt builds every model whole."
        )
        # dbt's target folder and the path in its profile stay the same from one refresh to the
        # next (the path is a link to this run's build file), and so do the vars below: dbt then
        # parses again only the files that changed (decision 0018). The run id, which changes
        # every run, reaches the models as data (audit.incremental_run), not as a var, which
        # would make dbt parse the whole project again (decision 0033).
        folder = warehouse.paths.dbt_folder
        link = _link_build_file(folder / warehouse.paths.warehouse.name, build_file)
        # The memory limit and spill folder every DuckDB connection of the refresh uses (decision 0034).
        duckdb_settings = duckdb_config(warehouse.paths.warehouse, process="dbt")
        stable_vars = {
            "duckdb_path": str(link),
            "duckdb_memory_limit": duckdb_settings["memory_limit"],
            "duckdb_temp_directory": duckdb_settings["temp_directory"],
        }
        # dbt's own log at info, not debug: writing every statement it runs cost dbt time in
        # every refresh; the SQL of each model and test stays in the target folder.
        # dbt's unit tests read fixed rows, not the data: they test the code, in `make test`
        # (tests/test_dbt_unit_tests.py) as dbt advises, not in every refresh (decision 0009).
        excluded = ["resource_type:unit_test"]
        if appended:
            # The same code built the previous warehouse (its fingerprint covers the seeds and
            # models): its seeds are in the copied build file.
            excluded.append("resource_type:seed")
        args = [
            "build",
            "--vars",
            json.dumps(stable_vars, sort_keys=True),
            "--log-level-file",
            "info",
            "--exclude",
            " ".join(excluded),
        ]
        if not appended:
            args.append("--full-refresh")  # the incremental police models are built whole
        (folder / "dbt.log").unlink(missing_ok=True)  # dbt appends: the kept log is this run's
        try:
            for event in dbt.cli(args, context=context, target_path=folder).stream():
                progress.report(
                    f"dbt: built {event.asset_key.to_user_string()}"
                    if hasattr(event, "asset_key") and isinstance(event, dg.Output | dg.AssetMaterialization)
                    else "dbt: building models"
                )
                yield event
        finally:
            _unlink_build_file(link)
            _keep_dbt_log(folder, warehouse.paths.warehouse.parent / "logs", context.run.run_id)


def _incremental_run(build_file: Path, warehouse: Path, run_id: str) -> bool:
    """Raw tables kept and only added to: the police models rebuild only the records the new
    files touch (macros/incremental_police.sql). Recorded in the build file for dbt to read."""
    with duckdb.connect(str(build_file), config=duckdb_config(warehouse)) as con:
        appended = appended_only(con, run_id)
        record_incremental_run(con, run_id if appended else None)
    return appended


def _link_build_file(link: Path, build_file: Path) -> Path:
    """`link` is named as the warehouse: DuckDB names the database (dbt's `database`) after the file."""
    link.parent.mkdir(parents=True, exist_ok=True)
    _unlink_build_file(link)
    link.symlink_to(build_file)
    return link


def _unlink_build_file(link: Path) -> None:
    """The link, and what DuckDB keeps beside the path it opened: a write-ahead log left by a dbt
    that died must never be replayed into another run's build file."""
    for path in (link, link.with_name(link.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(link.with_name(link.name + ".tmp"), ignore_errors=True)


def _keep_dbt_log(target: Path, logs: Path, run_id: str) -> None:
    """dbt's own log of the run, as logs/dbt-<run id>.log beside the refresh's log."""
    log = target / "dbt.log"
    if log.exists():
        logs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, logs / f"dbt-{run_id[:8]}.log")
