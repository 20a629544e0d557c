"""Dagster definitions: `dagster dev` loads them, and `vawg refresh` runs the same graph in-process."""
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.cps_finalisations import assets as cps_finalisations
from pipelines.defs.fmu_cases import assets as fmu_cases
from pipelines.defs.havens_attendances import assets as havens_attendances
from pipelines.defs.mps_crimes import assets as mps_crimes
from pipelines.defs.publication import assets as publication
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.schedules import quarterly_refresh_schedule, refresh_job
from pipelines.defs.sensors import landing_files_sensor
from pipelines.defs.service_returns import assets as service_returns
from pipelines.defs.warehouse.dbt import dbt_project, vawg_dbt_models
from pipelines.settings import WarehousePaths

SOURCE_MODULES = [mps_crimes, cps_finalisations, havens_attendances, fmu_cases, service_returns]


def build_resources(paths: WarehousePaths | None = None, as_of: str | None = None) -> dict:
    paths = paths or WarehousePaths.from_env()
    return {
        "warehouse": WarehouseResource(landing=str(paths.landing), warehouse=str(paths.warehouse),
                                       publish=str(paths.publish), as_of=as_of),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt"))),
    }


ASSETS = [*(a for m in SOURCE_MODULES for a in m.assets), *dg.load_assets_from_modules([publication]),
          vawg_dbt_models]
CHECKS = [*(c for m in SOURCE_MODULES for c in m.asset_checks), publication.panel_dataset_quality]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[refresh_job],
    schedules=[quarterly_refresh_schedule],
    sensors=[landing_files_sensor],
    resources=build_resources(),
    # Steps share one warehouse file being built: run them one after another.
    executor=dg.in_process_executor,
)
