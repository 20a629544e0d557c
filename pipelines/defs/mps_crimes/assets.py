"""The MPS crime extract: one landing asset partitioned by quarter, and the validated table."""

import dagster as dg

from pipelines.defs.partitions import quarterly_partitions
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.source_family import build_validated_table, land_partitions

SOURCE = "mps_crimes"


@dg.asset(
    key="mps_crimes_landing",
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=SOURCE,
    kinds={"python", "polars"},
)
def mps_crimes_landing(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One partition per quarter's MPS crime file (one row per record version): each new file
    version is validated row by row with pandera and kept in the raw store."""
    return land_partitions(context, warehouse, SOURCE)


@dg.asset(
    key="mps_crimes_validated",
    deps=[mps_crimes_landing],
    group_name=SOURCE,
    kinds={"python", "duckdb"},
)
def mps_crimes_validated(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """raw.mps_crimes in the warehouse being built: one row per accepted record version of each
    quarter's current file, after the cross-file scope rule; with its audit records."""
    return build_validated_table(context, warehouse, SOURCE)


@dg.asset_check(asset=mps_crimes_validated, blocking=True)
def mps_crimes_row_accounting(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Every accepted file's rows are loaded or quarantined: rows_read = loaded + quarantined."""
    from pipelines.defs.source_family import row_accounting
    return row_accounting(context, warehouse, SOURCE)


@dg.asset_check(asset=mps_crimes_validated)
def mps_crimes_quarantine_rate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No current file quarantines more than 1% of its rows (a warning: the rows are kept in audit)."""
    from pipelines.defs.source_family import quarantine_rate
    return quarantine_rate(context, warehouse, SOURCE)
