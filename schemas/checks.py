"""A quarantine rule as a pandera check.

Each source's schema attaches its rules to the column they are reported against. A rule
is written as the polars expression of a *violation*; a null (a comparison with an
unknown value) is not a violation, because the unknown value is the business of the rule
for its own column. The check's name is the rule's stable name, which pandera reports in
`SchemaErrors.failure_cases["check"]` with the row's index, so the quarantine is read
straight from pandera's verdict: `failed_rows` reads it for the rows of one file and
`failed_file_rows` for a rule across files. Nothing here imports the landing code, which
imports the schemas.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaErrors

# Each row's line in its landing file, as the reader numbers it (pipelines.landing.read).
ROW_NUMBER = "row_number"


def rule(name: str, violated: pl.Expr, prepare=None) -> pa.Check:
    """A vectorised check that fails the rows where `violated` is true; `prepare` (a function
    of the lazy frame) adds the columns `violated` reads, for rules computed together."""

    def passes(data: PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe if prepare is None else prepare(data.lazyframe)
        return frame.select((~violated.fill_null(False)).alias(name))

    return pa.Check(passes, name=name, error=name, ignore_na=False)


def rule_schema(
    source: str, columns, output: dict, rules, known_rules, prepare=None, typed: dict | None = None
) -> pa.DataFrameSchema:
    """A source's schema: each column typed as `output` says, carrying the named checks of
    its (rule name, column, violated) triples; `typed`, further columns checked for their type
    only. Helper columns of staging ride along."""
    checks: dict[str, list[pa.Check]] = {c: [] for c in columns}
    for name, column, violated in rules:
        assert name in known_rules, name
        checks[column].append(rule(name, violated, prepare))
    return pa.DataFrameSchema(
        {
            **{c: pa.Column(output[c], checks=checks[c], nullable=True, coerce=False) for c in columns},
            **{c: pa.Column(dtype, nullable=True, coerce=False) for c, dtype in (typed or {}).items()},
        },
        name=source,
        strict=False,
    )


def failed_rows(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """Every (index, rule, column_name) that pandera failed, on the collected frame."""
    empty = pl.DataFrame(schema={"index": pl.Int64, "rule": pl.Utf8, "column_name": pl.Utf8})
    # Data checks must run whatever PANDERA_VALIDATION_* says in the environment.
    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        try:
            schema.validate(frame, lazy=True)
            return empty
        except SchemaErrors as exc:
            cases = exc.failure_cases
    # A failure without a row (a wrong dtype, a missing column) is a bug in staging,
    # not bad data: stop rather than quarantine or accept on a wrong footing.
    structural = cases.filter(pl.col("index").is_null())
    if structural.height:
        raise RuntimeError(
            f"The {schema.name} schema failed on the frame's structure: "
            f"{structural.select('column', 'check', 'failure_case').rows()}"
        )
    return cases.select(
        pl.col("index").cast(pl.Int64),
        pl.col("check").alias("rule"),
        pl.col("column").alias("column_name"),
    )


def failed_file_rows(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """(file_sha256, row_number, rule) of the rows of `frame` (rows of several files, with
    `quarter`, `file_sha256` and `row_number`) that pandera failed under `schema`, in file
    order (quarter, file, row): the result of a rule across files."""
    frame = frame.with_columns(pl.col("quarter", "file_sha256").cast(pl.Utf8)).sort(
        "quarter", "file_sha256", ROW_NUMBER
    )
    failures = failed_rows(schema, frame)
    picked = frame.with_row_index("_index").join(
        failures.select(pl.col("index").cast(pl.UInt32), "rule"),
        left_on="_index",
        right_on="index",
        how="inner",
        maintain_order="left",
    )
    return picked.select(
        pl.col("file_sha256").cast(pl.Utf8),
        pl.col(ROW_NUMBER).cast(pl.Int64),
        pl.col("rule").cast(pl.Utf8),
    )


def rows_with_key_in_several_quarters(rows: pl.DataFrame | pl.LazyFrame, key: list[str]) -> pl.DataFrame:
    """The rows whose `key` (nulls alike) is in more than one quarter's file, collected with
    polars' streaming engine: only they can repeat a key of an earlier quarter's file, so a
    rule of that kind sees every row it could take out, and all rows of each such key."""
    rows = rows.lazy()
    repeated = (
        rows.group_by(key)
        .agg(pl.col("quarter").n_unique().alias("_quarters"))
        .filter(pl.col("_quarters") > 1)
        .select(key)
    )
    return rows.join(repeated, on=key, how="semi", nulls_equal=True).collect(engine="streaming")
