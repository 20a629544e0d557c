"""Values, confidence limits and comparisons for every indicator row, on whole columns.

Input: the generated `int_indicator_values` (numerator, denominator and populations per
row). Output: the columns of `marts.indicators`, unrounded.
"""
from __future__ import annotations

import numpy as np
import polars as pl

from pipelines import statistics as st
from pipelines.indicators.spec import IndicatorSpec, load_spec

KEYS = ["indicator_id", "category", "period_type", "period_start", "geography_type",
        "geography_code", "breakdown", "breakdown_value"]
COLUMNS = ["indicator_id", "indicator_name", "category", "period_type", "period", "period_start",
           "period_end", "geography_type", "geography_code", "geography_name", "breakdown",
           "breakdown_value", "numerator", "denominator", "value", "unit", "ci_lower", "ci_upper",
           "comparison", "suppressed", "note"]
# The comparator of a geography's total row (indicators.md, "comparison").
PARENT_GEOGRAPHY = {"borough": ("london", "E12000007"), "haven": ("london", "E12000007"),
                    "uk_region": ("uk", "K02000001")}


def _values_and_limits(unit: np.ndarray, n: np.ndarray, d: np.ndarray,
                       pn: np.ndarray, pd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    value = np.full(len(unit), np.nan)
    lower = np.full(len(unit), np.nan)
    upper = np.full(len(unit), np.nan)

    m = unit == "count"
    value[m] = n[m]

    for name, scale in (("percent", 100.0), ("percent_change", 100.0), ("per_1000", 1000.0)):
        m = unit == name
        with np.errstate(divide="ignore", invalid="ignore"):
            value[m] = np.where(d[m] > 0, scale * n[m] / d[m], np.nan)

    m = unit == "percent"
    lower[m], upper[m] = st.wilson_interval(n[m], d[m])
    m = unit == "per_1000"
    lower[m], upper[m] = st.poisson_exact_interval(n[m], d[m], multiplier=1000)
    m = unit == "ratio"
    value[m], lower[m], upper[m] = st.relative_rate_index(n[m], pn[m], d[m], pd[m])
    return value, lower, upper


def add_statistics(values: pl.DataFrame, spec: IndicatorSpec | None = None, as_at=None,
                   notes: pl.DataFrame | None = None) -> pl.DataFrame:
    """`as_at`: the data's as-at date (rows of indicators with `provisional_quarters` ending
    closer to it are `provisional`); `notes`: per source, category, period and geography,
    a note every indicator of that source carries there (missing service returns)."""
    spec = spec or load_spec()
    meta = pl.DataFrame([{"indicator_id": i.id, "indicator_name": i.name, "unit": i.unit, "source": i.source,
                          "provisional_quarters": i.provisional_quarters} for i in spec.indicators],
                        schema={"indicator_id": pl.Utf8, "indicator_name": pl.Utf8, "unit": pl.Utf8,
                                "source": pl.Utf8, "provisional_quarters": pl.Int64})
    df = values.join(meta, on="indicator_id", how="left")

    def arr(col: str) -> np.ndarray:
        return df[col].cast(pl.Float64).fill_null(np.nan).to_numpy()

    value, lower, upper = _values_and_limits(df["unit"].to_numpy(), arr("numerator"),
                                             arr("denominator"), arr("numerator_population"),
                                             arr("denominator_population"))
    df = df.with_columns(value=pl.Series(value).fill_nan(None), ci_lower=pl.Series(lower).fill_nan(None),
                         ci_upper=pl.Series(upper).fill_nan(None))
    df = _with_comparison(df)
    return (_with_notes(df, as_at, notes).with_columns(suppressed=pl.lit(False))
            .select(COLUMNS))  # row order is the publication writers' job (sorting 5M rows here cost 40 s)


def _with_notes(df: pl.DataFrame, as_at, notes: pl.DataFrame | None) -> pl.DataFrame:
    provisional = pl.lit(None, dtype=pl.Utf8)
    if as_at is not None:
        # Cases of a cohort are still in court until eight quarters after its period ends.
        months = pl.col("provisional_quarters") * 3
        provisional = (pl.when(pl.col("period_end").dt.offset_by(pl.format("{}mo", months)) > pl.lit(as_at))
                       .then(pl.lit("provisional")))
    df = df.with_columns(note=provisional)
    if notes is not None and notes.height:
        keys = ["source", "category", "period_type", "period_start", "geography_type", "geography_code"]
        df = (df.join(notes.select(*keys, pl.col("note").alias("source_note")), on=keys, how="left")
              .with_columns(note=pl.concat_str(["note", "source_note"], separator="; ", ignore_nulls=True))
              .with_columns(note=pl.when(pl.col("note") == "").then(None).otherwise(pl.col("note")))
              .drop("source_note"))
    return df


def _with_comparison(df: pl.DataFrame) -> pl.DataFrame:
    totals = (df.filter(pl.col("breakdown") == "total")
              .select("indicator_id", "category", "period_type", "period_start", "geography_type",
                      "geography_code", comparator_total=pl.col("value")))
    parents = pl.DataFrame([{"geography_type": k, "parent_type": v[0], "parent_code": v[1]}
                            for k, v in PARENT_GEOGRAPHY.items()])
    parent_totals = totals.rename({"geography_type": "parent_type", "geography_code": "parent_code",
                                   "comparator_total": "comparator_parent"})
    keys = ["indicator_id", "category", "period_type", "period_start"]
    df = (df.join(totals, on=keys + ["geography_type", "geography_code"], how="left")
          .join(parents, on="geography_type", how="left")
          .join(parent_totals, on=keys + ["parent_type", "parent_code"], how="left"))
    comparator = (pl.when(pl.col("unit") == "ratio").then(pl.lit(1.0))
                  .when(pl.col("breakdown") != "total").then(pl.col("comparator_total"))
                  .when(pl.col("parent_type").is_not_null()).then(pl.col("comparator_parent"))
                  .otherwise(None))
    df = df.with_columns(comparator=comparator)
    result = st.comparison(df["value"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
                           df["ci_lower"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
                           df["ci_upper"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
                           df["comparator"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
                           (df["unit"] == "ratio").to_numpy())
    return df.with_columns(comparison=pl.Series(result, dtype=pl.Utf8))
