"""What every asset runs with: the resources, from the same settings under `dagster dev` and
`vawg refresh`, and the executor."""

import dagster as dg

from pipelines.defs.resources import WarehouseResource
from dagster_dbt import DbtCliResource

from pipelines.defs.warehouse.dbt import dbt_project
from pipelines.project_files import DBT_EXECUTABLE
from pipelines.settings import WarehousePaths


def build_resources(paths: WarehousePaths | None = None, as_of: str | None = None, from_store: bool = False) -> dict:
    paths = paths or WarehousePaths.from_env()
    return {
        "warehouse": WarehouseResource(
            landing=str(paths.landing),
            warehouse=str(paths.warehouse),
            publish=str(paths.publish),
            as_of=as_of,
            from_store=from_store,
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE)),
    }


@dg.definitions
def resources_and_executor() -> dg.Definitions:
    # Steps share one warehouse file being built: run them one after another.
    return dg.Definitions(resources=build_resources(), executor=dg.in_process_executor)
