"""A quarantine rule as a pandera check.

Each source's schema attaches its rules to the column they are reported against. A rule
is written as the polars expression of a *violation*; a null (a comparison with an
unknown value) is not a violation, because the unknown value is the business of the rule
for its own column. The check's name is the rule's stable name, which pandera reports in
`SchemaErrors.failure_cases["check"]` with the row's index, so the quarantine is read
straight from pandera's verdict.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData


def rule(name: str, violated: pl.Expr, prepare=None) -> pa.Check:
    """A vectorised check that fails the rows where `violated` is true; `prepare` (a function
    of the lazy frame) adds the columns `violated` reads, for rules computed together."""

    def passes(data: PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe if prepare is None else prepare(data.lazyframe)
        return frame.select((~violated.fill_null(False)).alias(name))

    return pa.Check(passes, name=name, error=name, ignore_na=False)


def rule_schema(source: str, columns, output: dict, rules, known_rules, prepare=None,
                typed: dict | None = None) -> pa.DataFrameSchema:
    """A source's schema: each column typed as `output` says, carrying the named checks of
    its (rule name, column, violated) triples; `typed`, further columns checked for their type
    only. Helper columns of staging ride along."""
    checks: dict[str, list[pa.Check]] = {c: [] for c in columns}
    for name, column, violated in rules:
        assert name in known_rules, name
        checks[column].append(rule(name, violated, prepare))
    return pa.DataFrameSchema(
        {**{c: pa.Column(output[c], checks=checks[c], nullable=True, coerce=False) for c in columns},
         **{c: pa.Column(dtype, nullable=True, coerce=False) for c, dtype in (typed or {}).items()}},
        name=source,
        strict=False,
    )
