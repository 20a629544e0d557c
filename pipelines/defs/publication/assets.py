"""The Panel's dataset: a new vintage folder, the warehouse swapped in, `latest` repointed."""

import dagster as dg

from pipelines import progress
from pipelines.failures import one_sentence
from pipelines.defs.resources import WarehouseResource
from pipelines.publish.vintage import publish


@dg.asset(
    deps=[dg.AssetKey(["marts", "indicators"]), dg.AssetKey(["marts", "indicator_trends"])],
    group_name="publication",
    kinds={"python", "parquet", "csv"},
)
def panel_publication(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One vintage folder per refresh (indicators.csv, indicators.parquet, manifest.json) built from
    marts.indicators; the new warehouse file replaces the old one atomically."""
    progress.report("Publishing the Panel's dataset", context.log)
    with one_sentence(context):
        result = publish(warehouse.paths, warehouse.build_file(context.run.run_id))
    return dg.MaterializeResult(
        metadata={
            "vintage": result.vintage,
            "folder": dg.MetadataValue.path(str(result.folder)),
            "rows": result.rows,
        }
    )


@dg.asset_check(
    asset=panel_publication, description="The Great Expectations suite over the published dataset and the loads passed."
)
def panel_dataset_quality(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Reads the summary the quality suite wrote into the vintage (the publication stops on failure)."""
    import json

    with one_sentence(context):
        summary = json.loads(
            (warehouse.paths.publish / "latest" / "quality" / "summary.json").read_text(encoding="utf-8")
        )
    return dg.AssetCheckResult(
        passed=summary["success"],
        metadata={"expectations": summary["evaluated"], "failed": dg.MetadataValue.json(summary["failed"])},
    )
