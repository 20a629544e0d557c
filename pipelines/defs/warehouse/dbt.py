"""The dbt project (staging, intermediate, marts, indicators), built into the run's new warehouse."""

import importlib.metadata
import json
import os
import shutil
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
import duckdb
from packaging import version

from pipelines import progress
from pipelines.build_file import appended_only
from pipelines.failures import one_sentence
from pipelines.defs.resources import WarehouseResource
from pipelines.settings import DUCKDB_MEMORY_LIMIT

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class VawgDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without its in-process dbt adapter, which only serves the row
    counts and column metadata this project does not fetch: building it, and running
    `dbt --version` to learn the version, cost about 7 s per refresh before dbt starts."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))  # the pinned dbt that runs

    def _initialize_dbt_core_adapter(self, args):
        return None


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def vawg_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Every dbt model and seed, with its tests as asset checks, built into the run's new warehouse file."""
    with one_sentence(context):
        build_file = warehouse.build_file(context.run.run_id)
        if not build_file.exists():
            raise dg.Failure(f"The warehouse being built ({build_file.name}) does not exist: "
                             "materialize the validated source tables in the same run.")
        # dbt runs as a subprocess and reads the target file from its profile's env_var.
        os.environ["VAWG_DUCKDB_PATH"] = str(build_file)
        os.environ["VAWG_DUCKDB_MEMORY_LIMIT"] = DUCKDB_MEMORY_LIMIT
        # dbt's target folder (compiled SQL, run results) beside the build file, so it is removed
        # with it: in the project's target/ every refresh left 10 MB behind. Its log is kept.
        target = build_file.with_name(build_file.name + ".dbt")
        args = ["build"]
        with duckdb.connect(str(build_file), read_only=True) as con:
            if appended_only(con, context.run.run_id):
                # Raw tables kept and only added to: the police models rebuild only the
                # records the new files touch (macros/incremental_police.sql).
                args += ["--vars", json.dumps({"incremental_run_id": context.run.run_id})]
        context.log.info("dbt builds the police records incrementally." if len(args) > 1
                         else "dbt builds every model whole.")
        try:
            for event in dbt.cli(args, context=context, target_path=target).stream():
                progress.report(f"dbt: built {event.asset_key.to_user_string()}" if hasattr(event, "asset_key")
                                and isinstance(event, dg.Output | dg.AssetMaterialization) else "dbt: building models")
                yield event
        finally:
            _keep_dbt_log(target, warehouse.paths.warehouse.parent / "logs", context.run.run_id)


def _keep_dbt_log(target: Path, logs: Path, run_id: str) -> None:
    """dbt's own log of the run, as logs/dbt-<run id>.log beside the refresh's log."""
    log = target / "dbt.log"
    if log.exists():
        logs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, logs / f"dbt-{run_id[:8]}.log")
