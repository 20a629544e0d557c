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


def add_statistics(values: pl.DataFrame, spec: IndicatorSpec | None = None) -> pl.DataFrame:
    spec = spec or load_spec()
    meta = pl.DataFrame([{"indicator_id": i.id, "indicator_name": i.name, "unit": i.unit}
                         for i in spec.indicators])
    df = values.join(meta, on="indicator_id", how="left")

    def arr(col: str) -> np.ndarray:
        return df[col].cast(pl.Float64).fill_null(np.nan).to_numpy()

    value, lower, upper = _values_and_limits(df["unit"].to_numpy(), arr("numerator"),
                                             arr("denominator"), arr("numerator_population"),
                                             arr("denominator_population"))
    df = df.with_columns(value=pl.Series(value).fill_nan(None), ci_lower=pl.Series(lower).fill_nan(None),
                         ci_upper=pl.Series(upper).fill_nan(None))
    df = _with_comparison(df)
    return (df.with_columns(suppressed=pl.lit(False), note=pl.lit(None, dtype=pl.Utf8))
            .select(COLUMNS).sort(KEYS))


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
