"""marts.indicator_trends (interfaces.md): for every `percent` indicator × category × geography ×
breakdown value with financial years, the latest financial year that is not provisional judged
against the year before (`change`) and over the last five such years (`recent_trend`).

The years are picked in DuckDB; the statistics (pipelines.statistics: statsmodels' Newcombe
interval, the χ² trend test with scipy's distribution) run once on whole columns.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from pipelines import statistics as st

SERIES = ["indicator_id", "category", "geography_type", "geography_code", "breakdown", "breakdown_value"]
COLUMNS = [
    *SERIES,
    "latest_period",
    "previous_period",
    "change",
    "change_estimate",
    "change_ci_lower",
    "change_ci_upper",
    "trend_first_period",
    "trend_last_period",
    "recent_trend",
    "trend_p_value",
]
TREND_YEARS = 5
SIGNIFICANCE = 0.05  # two-sided, as the 95% interval of the change


def _years_sql(source: str) -> str:
    keys = ", ".join(SERIES)
    recent = ",\n".join(
        f"max(numerator) filter (where recency = {TREND_YEARS + 1 - k}) as numerator_{k}, "
        f"max(denominator) filter (where recency = {TREND_YEARS + 1 - k}) as denominator_{k}"
        for k in range(1, TREND_YEARS + 1)
    )
    return f"""
        with years as (
            select {keys}, period, period_start, numerator, denominator,
                coalesce(note, '') like '%provisional%' as provisional
            from {source}
            where unit = 'percent' and period_type = 'financial_year'
        ),
        final as (
            select *, row_number() over (partition by {keys} order by period_start desc) as recency
            from years
            where not provisional
        ),
        recent as (
            select {keys},
                arg_max(period, period_start) as latest_period,
                max(period_start) as latest_start,
                arg_min(period, period_start) as trend_first_period,
                -- five consecutive financial years, or the trend is not calculated
                count(*) = {TREND_YEARS}
                    and date_diff('year', min(period_start), max(period_start)) = {TREND_YEARS - 1} as five_years,
                {recent}
            from final
            where recency <= {TREND_YEARS}
            group by {keys}
        )
        select {", ".join(f"s.{k}" for k in SERIES)}, r.latest_period, previous.period as previous_period,
            r.trend_first_period, r.latest_period as trend_last_period, coalesce(r.five_years, false) as five_years,
            {", ".join(f"r.numerator_{k}, r.denominator_{k}" for k in range(1, TREND_YEARS + 1))},
            previous.numerator as previous_numerator, previous.denominator as previous_denominator
        from (select distinct {keys} from years) as s
        left join recent as r using ({keys})
        -- the year before the latest: its start is exactly one year earlier
        left join final as previous on {" and ".join(f"previous.{k} = s.{k}" for k in SERIES)}
            and previous.period_start = r.latest_start - interval 1 year"""


def _change(latest_n, latest_d, previous_n, previous_d) -> tuple[np.ndarray, ...]:
    estimate, lower, upper = st.newcombe_difference_interval(latest_n, latest_d, previous_n, previous_d)
    judged = ~np.isnan(estimate)
    change = np.select(
        [~judged, lower > 0, upper < 0], ["not_calculated", "increased", "decreased"], default="no_significant_change"
    )
    return change.astype(object), 100 * estimate, 100 * lower, 100 * upper


def _trend(numerators: np.ndarray, denominators: np.ndarray, five_years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, p_value, slope = st.linear_trend_test(numerators, denominators)
    calculated = five_years & ~np.isnan(slope)
    significant = calculated & (p_value < SIGNIFICANCE)  # NaN p (nothing varies) is not significant
    trend = np.select(
        [~calculated, significant & (slope > 0), significant & (slope < 0)],
        ["not_calculated", "increasing", "decreasing"],
        default="no_significant_change",
    )
    return trend.astype(object), np.where(calculated, p_value, np.nan)


def trends_relation(con: duckdb.DuckDBPyConnection, indicators: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """`indicators`: marts.indicators (unsuppressed, unrounded); returns the columns of
    marts.indicator_trends, one row per series."""
    con.register("_trend_indicators", indicators)  # temporary views: nothing extra is left in the warehouse
    frame = con.sql(_years_sql("_trend_indicators")).pl()

    def arr(col: str) -> np.ndarray:
        return frame[col].cast(pl.Float64).fill_null(np.nan).to_numpy()

    latest = TREND_YEARS
    change, estimate, lower, upper = _change(
        arr(f"numerator_{latest}"), arr(f"denominator_{latest}"), arr("previous_numerator"), arr("previous_denominator")
    )
    numerators = np.column_stack([arr(f"numerator_{k}") for k in range(1, TREND_YEARS + 1)])
    denominators = np.column_stack([arr(f"denominator_{k}") for k in range(1, TREND_YEARS + 1)])
    trend, p_value = _trend(numerators, denominators, frame["five_years"].to_numpy())

    def column(values: np.ndarray) -> pl.Series:
        return pl.Series(values, dtype=pl.Float64).fill_nan(None)

    result = frame.with_columns(
        change=pl.Series(change, dtype=pl.Utf8),
        change_estimate=column(estimate),
        change_ci_lower=column(lower),
        change_ci_upper=column(upper),
        recent_trend=pl.Series(trend, dtype=pl.Utf8),
        trend_p_value=column(p_value),
    ).select(COLUMNS)
    con.register("_indicator_trends", result.to_arrow())
    return con.sql("select * from _indicator_trends")
