"""What every source's assets do, so each source folder only names its source."""

import json

import dagster as dg
import polars as pl

from pipelines import build_file, progress
from pipelines.failures import failed_check, one_sentence
from pipelines.defs.resources import WarehouseResource
from pipelines.landing.files import discover
from pipelines.landing.load import current_parts, current_rows, land_file, land_files
from pipelines.landing.validate import cross_file_columns, cross_file_failures, quarantine_records
from pipelines.sources import BY_ID
from pipelines.store import EVENT_COLUMNS

MAX_QUARANTINE_RATE = 0.01


def land_partitions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, source: str
) -> dg.MaterializeResult:
    keys = set(context.partition_keys)
    files = [f for f in discover(warehouse.paths.landing, warehouse.today) if f.source == source and f.quarter in keys]
    events = land_files(
        warehouse.store, files, lambda f: progress.report(f"Validated {source}/{f.file_name}", context.log)
    )
    for e in events:
        if e["status"] == "rejected":
            context.log.warning(e["reason"])
    return dg.MaterializeResult(
        metadata={
            "files": len(events),
            "rejected": sum(e["status"] == "rejected" for e in events),
            "rows_read": sum(e.get("rows_read") or 0 for e in events),
            "rows_quarantined": sum(e.get("rows_quarantined") or 0 for e in events),
        }
    )


def build_validated_table(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, source: str
) -> dg.MaterializeResult:
    store = warehouse.store
    # A rebuild from the raw store alone does not look at the landing folder.
    landing_files = (
        []
        if warehouse.from_store
        else [f for f in discover(warehouse.paths.landing, warehouse.today) if f.source == source]
    )
    # Files rejected for their name (a wrong name, a quarter before the first accepted or after
    # the refresh's day, a twin) are no quarter's partition: they are recorded here.
    for f in landing_files:
        if f.rejected_reason:
            land_file(store, f)
    progress.report(f"Assembling {source} from the raw store", context.log)
    parts = current_parts(store, source)
    # Rules across files read only their own columns of every quarter; DuckDB reads the
    # rows themselves from the store's Parquet, and hands back the few the rules take out.
    out = cross_file_failures(source, current_rows(store, source, columns=cross_file_columns(source)))
    seen = {e["file_name"]: e for e in store.events().filter(pl.col("source") == source).iter_rows(named=True)}
    landing = pl.DataFrame(
        [
            {
                "source": source,
                "file_name": f.file_name,
                "quarter": f.quarter,
                "sha256": f.sha256,
                "status": seen.get(f.file_name, {}).get("status"),
                "reason": seen.get(f.file_name, {}).get("reason"),
            }
            for f in landing_files
        ],
        schema={k: EVENT_COLUMNS[k] for k in ("source", "file_name", "quarter", "sha256", "status", "reason")},
    )

    def audit_of(taken_rows: pl.DataFrame) -> dict[str, pl.DataFrame]:
        moved = quarantine_records(source, out, taken_rows) if out.height else pl.DataFrame()
        loads = store.audit_loads()
        loads = loads.filter(pl.col("source") == source) if loads.height else loads
        quarantine, warnings = _audit_rows(store, source, loads, moved)
        if moved.height:
            extra = moved.group_by("file_sha256").agg(pl.len().alias("moved"))
            loads = (
                loads.join(extra, left_on="sha256", right_on="file_sha256", how="left")
                .with_columns(
                    rows_loaded=pl.col("rows_loaded") - pl.col("moved").fill_null(0),
                    rows_quarantined=pl.col("rows_quarantined") + pl.col("moved").fill_null(0),
                )
                .drop("moved")
            )
        loads = loads.with_columns(pl.col("loaded_at").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None))
        return {"loads": loads, "quarantine": quarantine, "warnings": warnings, "landing_files": landing}

    con = build_file.connect(warehouse.build_file(context.run.run_id), previous=warehouse.paths.warehouse)
    try:
        loaded = build_file.replace_source_rows(
            con, source, parts, out, _empty_rows(source), audit_of, context.run.run_id
        )
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            "rows": loaded,
            "quarters": parts.height,
            "rows_quarantined_across_files": out.height,
            "rejected_files": dg.MetadataValue.json([r for r in landing.to_dicts() if r["status"] == "rejected"]),
        }
    )


def _empty_rows(source: str) -> pl.DataFrame:
    """A source with no accepted file still gets its (empty) raw table, so the models run."""
    return pl.DataFrame(
        schema={**BY_ID[source].schema.OUTPUT, "file_sha256": pl.Utf8, "file_name": pl.Utf8, "quarter": pl.Utf8}
    )


def source_assets(source: str, description: str):
    """The landing asset (one partition per quarter), the validated table and their checks."""
    from pipelines.defs.partitions import quarterly_partitions
    from pipelines.defs.resources import WarehouseResource

    @dg.asset(
        name=f"{source}_landing",
        partitions_def=quarterly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=source,
        kinds={"python", "polars"},
        description=f"One partition per quarter's {description} file: each new file version is "
        "validated row by row with pandera and kept in the raw store.",
    )
    def landing(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with one_sentence(context):
            return land_partitions(context, warehouse, source)

    @dg.asset(
        name=f"{source}_validated",
        deps=[landing],
        group_name=source,
        kinds={"python", "duckdb"},
        description=f"raw.{source} in the warehouse being built: the accepted rows of each quarter's "
        "current file after the rules across files, with the audit records.",
    )
    def validated(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with one_sentence(context):
            return build_validated_table(context, warehouse, source)

    @dg.asset_check(
        asset=validated,
        name=f"{source}_row_accounting",
        blocking=True,
        description="Every accepted file's rows are loaded or quarantined: rows_read = loaded + quarantined.",
    )
    def accounting(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with one_sentence(context):
            return row_accounting(context, warehouse, source)

    @dg.asset_check(
        asset=validated,
        name=f"{source}_quarantine_rate",
        description="No current file quarantines more than 1% of its rows (a warning).",
    )
    def rate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with one_sentence(context):
            return quarantine_rate(context, warehouse, source)

    return [landing, validated], [accounting, rate]


def _audit_rows(store, source: str, loads: pl.DataFrame, moved: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Quarantined rows and warnings of every accepted or superseded version ever seen."""
    quarantine, warnings = [], []
    versions = loads.filter(pl.col("status") != "rejected") if loads.height else loads
    for v in versions.iter_rows(named=True):
        tag = dict(source=pl.lit(source), file_name=pl.lit(v["file_name"]), sha256=pl.lit(v["sha256"]))
        quarantine.append(store.read_part(source, v["sha256"], "quarantine").with_columns(**tag))
        warnings.append(store.read_part(source, v["sha256"], "warnings").with_columns(**tag))
    if moved.height:
        names = dict(zip(loads["sha256"], loads["file_name"]))
        quarantine.append(
            moved.select(
                source=pl.lit(source),
                file_name=pl.col("file_sha256").replace_strict(names, default=None),
                sha256=pl.col("file_sha256"),
                row_number=pl.col("row_number"),
                rule=pl.col("rule"),
                column_name=pl.col("column_name"),
                raw_record=pl.col("raw_record"),
            )
        )
    q = pl.concat(quarantine, how="diagonal_relaxed") if quarantine else pl.DataFrame()
    w = pl.concat(warnings, how="diagonal_relaxed") if warnings else pl.DataFrame()
    return q, w


def _audit_frame(warehouse: WarehouseResource, run_id: str, sql: str, params: list) -> pl.DataFrame:
    import duckdb
    from pipelines.settings import duckdb_config

    with duckdb.connect(
        str(warehouse.build_file(run_id)), read_only=True, config=duckdb_config(warehouse.paths.warehouse)
    ) as con:
        return con.sql(sql, params=params).pl()


def row_accounting(context, warehouse: WarehouseResource, source: str) -> dg.AssetCheckResult:
    bad = _audit_frame(
        warehouse,
        context.run.run_id,
        "select file_name, rows_read, rows_loaded, rows_quarantined from audit.loads "
        "where source = ? and status <> 'rejected' and rows_read <> rows_loaded + rows_quarantined",
        [source],
    )
    problem = None
    if bad.height:
        f = bad.row(0, named=True)
        problem = failed_check(
            context.op_def.name,
            (
                f"{source}/{f['file_name']} read {f['rows_read']} rows but loaded {f['rows_loaded']} and "
                f"quarantined {f['rows_quarantined']}, so its rows do not add up"
            ),
        )
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        description=problem,
        metadata={"files_not_adding_up": dg.MetadataValue.json(bad.to_dicts())},
    )


def quarantine_rate(context, warehouse: WarehouseResource, source: str) -> dg.AssetCheckResult:
    rates = _audit_frame(
        warehouse,
        context.run.run_id,
        "select file_name, rows_quarantined::double / nullif(rows_read, 0) as rate from audit.loads "
        "where source = ? and status = 'accepted' order by rate desc nulls last",
        [source],
    )
    worst = rates.filter(pl.col("rate") > MAX_QUARANTINE_RATE)
    return dg.AssetCheckResult(
        passed=worst.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "max_rate": float(rates["rate"].max() or 0) if rates.height else 0.0,
            "files_over_limit": dg.MetadataValue.json(json.loads(worst.write_json())),
        },
    )
