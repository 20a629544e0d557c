"""Split a read file into accepted typed rows, quarantined rows and warning counts.

Each source's registry entry (`pipelines.sources`) names its schema module in `schemas/`,
giving `COLUMNS`, `OUTPUT` (accepted columns and types), `RULES` (rule names in precedence
order), `stage(data, quarter)` (raw strings -> typed columns beside the raw ones),
`schema(quarter)` (a pandera `DataFrameSchema` whose checks are named after the rules) and
`WARNINGS` (per optional column, the expression marking an unknown value).

Pandera decides: the staged frame is validated with `lazy=True`, and the rows named by
`SchemaErrors.failure_cases["index"]` are the quarantined ones, each under the first rule
it broke (by `RULES`, then by column order). Nothing here re-implements a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import polars as pl

from pipelines.landing.read import ROW_NUMBER, RawTable
from pipelines.sources import BY_ID
from schemas.checks import failed_rows

QUARANTINE_SCHEMA = {
    ROW_NUMBER: pl.Int64,
    "rule": pl.Utf8,
    "column_name": pl.Utf8,
    "raw_record": pl.Utf8,
}
WARNINGS_SCHEMA = {"column_name": pl.Utf8, "warning_count": pl.Int64}


@dataclass(frozen=True)
class ValidationResult:
    """`accepted`: `row_number` + the source's typed columns, one row per accepted row.
    `quarantine`: row_number, rule, column_name (null for `ragged_row`), raw_record (JSON
    of the listed columns' raw values), one row per quarantined row, by row_number.
    `warnings`: column_name, warning_count, for columns with at least one warning, in
    column order. Always `rows_read == accepted.height + quarantine.height`."""

    source: str
    quarter: str
    file_name: str
    rows_read: int
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    columns_dropped: tuple[str, ...]

    @property
    def rows_loaded(self) -> int:
        return self.accepted.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height

    @property
    def warning_total(self) -> int:
        return int(self.warnings["warning_count"].sum())


def validate(source: str, raw: RawTable, quarter: str) -> ValidationResult:
    """Validate the rows of one file of `source` for `quarter` (`YYYY-MM`)."""
    if source not in BY_ID:
        raise ValueError(f"There is no validation schema for the source '{source}'.")
    module = BY_ID[source].schema
    expected = [ROW_NUMBER, *module.COLUMNS]
    if raw.data.columns != expected:
        raise ValueError(f"{raw.file_name} was not read with the columns of {source}: got {raw.data.columns}.")

    staged = module.stage(raw.data, quarter)
    failures = failed_rows(module.schema(quarter), staged)
    first = first_failures(failures, module.RULES, module.COLUMNS)
    # Boolean mask of quarantined rows: filtering beats joining the wide staged frame.
    failed = pl.repeat(False, staged.height, dtype=pl.Boolean, eager=True)
    if first.height:
        failed = failed.scatter(first["index"], True)

    # Both in index order: the failed rows side by side with their first rule.
    rejected = staged.filter(failed).hstack(first.select("rule", "column_name"))
    quarantine = pl.concat(
        [
            rejected.select(
                pl.col(ROW_NUMBER),
                pl.col("rule"),
                pl.col("column_name"),
                _raw_record(module).alias("raw_record"),
            ).cast(QUARANTINE_SCHEMA),
            raw.ragged.select(
                pl.col(ROW_NUMBER),
                pl.lit("ragged_row").alias("rule"),
                pl.lit(None, pl.Utf8).alias("column_name"),
                pl.col("raw_record"),
            ).cast(QUARANTINE_SCHEMA),
        ]
    ).sort(ROW_NUMBER)

    warnings = _warning_counts(staged, ~failed, module)
    accepted = staged.select(pl.col(c).cast(t) for c, t in module.OUTPUT.items()).filter(~failed)

    result = ValidationResult(
        source=source,
        quarter=quarter,
        file_name=raw.file_name,
        rows_read=raw.rows_read,
        accepted=accepted,
        quarantine=quarantine,
        warnings=warnings,
        columns_dropped=raw.columns_dropped,
    )
    # Row accounting: every row read is either loaded or quarantined, once.
    if result.rows_read != accepted.height + quarantine.height:
        raise AssertionError(
            f"{raw.file_name}: {result.rows_read} rows read but {accepted.height} "
            f"accepted and {quarantine.height} quarantined."
        )
    return result


def first_failures(failures: pl.DataFrame, rules: tuple[str, ...], columns: tuple[str, ...]) -> pl.DataFrame:
    """One row per failed index: the first rule by `rules`, then by column order."""
    unknown = set(failures["rule"].unique()) - set(rules)
    if unknown:
        raise RuntimeError(f"Checks without a rule name in the precedence list: {unknown}")
    rule_rank = {r: i for i, r in enumerate(rules)}
    column_rank = {c: i for i, c in enumerate(columns)}
    precedence = pl.col("rule").replace_strict(rule_rank, return_dtype=pl.Int64) * len(columns) + pl.col(
        "column_name"
    ).replace_strict(column_rank, default=0, return_dtype=pl.Int64)
    return (
        failures.with_columns(precedence.alias("_precedence"))
        .sort("_precedence", "index")
        .unique(subset="index", keep="first")
        .sort("index")
        .select(pl.col("index").cast(pl.UInt32), "rule", "column_name")
    )


def _raw_record(module: ModuleType) -> pl.Expr:
    """JSON of the listed columns' raw values, under their listed names."""
    return pl.struct([pl.col(module.raw(c)).alias(c) for c in module.COLUMNS]).struct.json_encode()


def _warning_counts(staged: pl.DataFrame, accepted: pl.Series, module: ModuleType) -> pl.DataFrame:
    """Per column, the accepted rows whose value counts as a warning (non-zero only)."""
    if not module.WARNINGS:
        return pl.DataFrame(schema=WARNINGS_SCHEMA)
    counts = staged.select((e & accepted).cast(pl.Int64).sum().alias(c) for c, e in module.WARNINGS.items()).row(
        0, named=True
    )
    rows = sorted(((c, n) for c, n in counts.items() if n), key=lambda r: module.COLUMNS.index(r[0]))
    return pl.DataFrame(rows, schema=WARNINGS_SCHEMA, orient="row")


CROSS_FILE_SCHEMA = {
    "file_sha256": pl.Utf8,
    ROW_NUMBER: pl.Int64,
    "rule": pl.Utf8,
    "column_name": pl.Utf8,
    "raw_record": pl.Utf8,
}


def cross_file_failures(source: str, rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """(file_sha256, row_number, rule) of the accepted rows that the source's rules across
    files take out (its schema module's `cross_file_failures`; none when it has no such rule).

    `rows`: the accepted rows of the current file of every quarter of `source`, with
    `quarter` and `file_sha256`; the module's `CROSS_FILE_COLUMNS` are enough. A LazyFrame
    (a scan of the raw store) is never collected whole: the module collects only the rows
    its rule can take out, so memory does not grow with the history (decision 0034).
    """
    module = BY_ID[source].schema
    # A source with no stored file is scanned as a LazyFrame without columns.
    empty = not rows.height if isinstance(rows, pl.DataFrame) else not rows.collect_schema().names()
    if empty or not hasattr(module, "cross_file_failures"):
        return pl.DataFrame(schema={k: CROSS_FILE_SCHEMA[k] for k in ("file_sha256", ROW_NUMBER, "rule")})
    return module.cross_file_failures(rows)


def cross_file_columns(source: str) -> list[str]:
    """The accepted columns the rules across files of `source` read (none without such rules)."""
    return [ROW_NUMBER, *getattr(BY_ID[source].schema, "CROSS_FILE_COLUMNS", ())]


def cross_file_quarantine(source: str, rows: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows that rules across files take out, as audit.quarantine rows.

    `rows`: the accepted rows of the current file of every quarter of `source`, with
    `quarter` and `file_sha256`. Returns file_sha256, row_number, rule, column_name (null)
    and raw_record: the row's listed columns as accepted (typed values written as text;
    the raw strings are not kept for accepted rows).
    """
    return quarantine_records(source, cross_file_failures(source, rows), rows)


def quarantine_records(source: str, out: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """audit.quarantine rows for the failures `out` (file_sha256, row_number, rule), their
    raw_record from `rows` (all accepted columns of at least those rows)."""
    if not out.height:
        return pl.DataFrame(schema=CROSS_FILE_SCHEMA)
    # accepted rows carry the OUTPUT names (FMU renames its spreadsheet headings)
    columns = [c for c in BY_ID[source].schema.OUTPUT if c != ROW_NUMBER]
    record = pl.struct(pl.col(c).cast(pl.Utf8) for c in columns).struct.json_encode()
    keys = ["file_sha256", ROW_NUMBER]
    taken = rows.with_columns(pl.col("file_sha256").cast(pl.Utf8), pl.col(ROW_NUMBER).cast(pl.Int64))
    records = taken.join(out.select(keys), on=keys, how="semi").select(*keys, record.alias("raw_record"))
    return (
        out.join(records, on=keys, how="left", maintain_order="left")
        .with_columns(pl.lit(None, pl.Utf8).alias("column_name"))
        .select(list(CROSS_FILE_SCHEMA))
        .cast(CROSS_FILE_SCHEMA)
    )
