"""Values, confidence limits and comparisons for every indicator row, set-based in DuckDB.

Input: the generated `int_indicator_values` (numerator, denominator and populations per
row). Output: the columns of `marts.indicators`, unrounded. The joins, windows and notes run
in DuckDB; only the statistics (scipy, on whole numeric columns) run in Python, and the
rows' text never leaves the database.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from pipelines import statistics as st
from pipelines.indicators.spec import IndicatorSpec, load_spec

COLUMNS = [
    "indicator_id",
    "indicator_name",
    "category",
    "period_type",
    "period",
    "period_start",
    "period_end",
    "geography_type",
    "geography_code",
    "geography_name",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "unit",
    "ci_lower",
    "ci_upper",
    "comparison",
    "suppressed",
    "note",
]
# The comparator of a geography's total row (indicators.md, "comparison").
PARENT_GEOGRAPHY = {
    "borough": ("london", "E12000007"),
    "haven": ("london", "E12000007"),
    "uk_region": ("uk", "K02000001"),
}
# The cells a row is compared within: the same indicator, category and period.
_CELL = ["indicator_id", "category", "period_type", "period_start"]
_INPUTS = ["numerator", "denominator", "numerator_population", "denominator_population"]
_COMPARED = ["value", "ci_lower", "ci_upper", "comparator", "is_ratio"]


def _values_and_limits(
    unit: np.ndarray, n: np.ndarray, d: np.ndarray, pn: np.ndarray, pd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register(name, frame.to_arrow())


def indicators_relation(
    con: duckdb.DuckDBPyConnection,
    values: duckdb.DuckDBPyRelation,
    as_at=None,
    notes: duckdb.DuckDBPyRelation | None = None,
    spec: IndicatorSpec | None = None,
) -> duckdb.DuckDBPyRelation:
    """`values`: int_indicator_values; `as_at`: the data's as-at date (rows of indicators with
    `provisional_quarters` ending closer to it are `provisional`); `notes`: per source,
    category, period and geography, a note every indicator of that source carries there
    (missing service returns)."""
    spec = spec or load_spec()
    _register(
        con,
        "_indicator_meta",
        pl.DataFrame(
            [
                {
                    "indicator_id": i.id,
                    "indicator_name": i.name,
                    "unit": i.unit,
                    "source": i.source,
                    "provisional_quarters": i.provisional_quarters,
                }
                for i in spec.indicators
            ],
            schema={
                "indicator_id": pl.Utf8,
                "indicator_name": pl.Utf8,
                "unit": pl.Utf8,
                "source": pl.Utf8,
                "provisional_quarters": pl.Int64,
            },
        ),
    )
    con.register("_indicator_values", values)  # temporary views: nothing extra is left in the warehouse

    # The statistics depend on a row's unit and four numbers only: compute them once per distinct
    # combination (about 3% of the rows) and join them back.
    inputs = con.sql(
        f"select distinct m.unit, {', '.join('v.' + c for c in _INPUTS)} "
        "from _indicator_values as v join _indicator_meta as m using (indicator_id)"
    ).pl()

    def arr(frame: pl.DataFrame, col: str) -> np.ndarray:
        return frame[col].cast(pl.Float64).fill_null(np.nan).to_numpy()

    value, lower, upper = _values_and_limits(inputs["unit"].to_numpy(), *(arr(inputs, c) for c in _INPUTS))
    _register(
        con,
        "_indicator_limits",
        inputs.with_columns(
            value=pl.Series(value).fill_nan(None),
            ci_lower=pl.Series(lower).fill_nan(None),
            ci_upper=pl.Series(upper).fill_nan(None),
        ),
    )

    parents = " union all ".join(
        f"select '{child}', '{ptype}', '{pcode}'" for child, (ptype, pcode) in PARENT_GEOGRAPHY.items()
    )
    same_inputs = " and ".join(f"l.{c} is not distinct from v.{c}" for c in _INPUTS)
    cell = " and ".join(f"t.{k} = b.{k}" for k in _CELL)
    parent_cell = " and ".join(f"pt.{k} = b.{k}" for k in _CELL)
    # Every row with its value, limits and comparator; used twice below rather than stored, because
    # writing 5M wide rows costs more than computing them again.
    valued_sql = f"""
        with valued as (
            select v.*, m.indicator_name, m.unit, m.source, m.provisional_quarters,
                l.value, l.ci_lower, l.ci_upper
            from _indicator_values as v
            join _indicator_meta as m using (indicator_id)
            join _indicator_limits as l on l.unit = m.unit and {same_inputs}
        ),
        totals as (
            select {", ".join(_CELL)}, geography_type, geography_code, value as total_value
            from valued where breakdown = 'total'
        ),
        parents(geography_type, parent_type, parent_code) as ({parents})
        select b.*, b.unit = 'ratio' as is_ratio,
            case when b.breakdown <> 'total' then t.total_value
                 when p.parent_type is not null then pt.total_value end as comparator
        from valued as b
        left join totals as t on {cell}
            and t.geography_type = b.geography_type and t.geography_code = b.geography_code
        left join parents as p on p.geography_type = b.geography_type
        left join totals as pt on {parent_cell}
            and pt.geography_type = p.parent_type and pt.geography_code = p.parent_code"""

    # The comparison depends on five columns only, too.
    compared = con.sql(f"select distinct {', '.join(_COMPARED)} from ({valued_sql})").pl()
    result = st.comparison(*(arr(compared, c) for c in _COMPARED[:4]), compared["is_ratio"].fill_null(False).to_numpy())
    _register(con, "_indicator_comparisons", compared.with_columns(comparison=pl.Series(result, dtype=pl.Utf8)))
    same_comparison = " and ".join(f"c.{c} is not distinct from b.{c}" for c in _COMPARED)

    provisional = "null"
    if as_at is not None:
        # A period's outcomes (police outcomes, court results) keep arriving until
        # `provisional_quarters` after it ends: "ends less than N quarters before the as-at date".
        provisional = (
            f"case when b.period_end + to_months(3 * b.provisional_quarters::integer) "
            f"> date '{as_at.isoformat()}' then 'provisional' end"
        )
    source_note, note_join = "null", ""
    if notes is not None:
        con.register("_indicator_notes", notes)
        note_keys = ["source", "category", "period_type", "period_start", "geography_type", "geography_code"]
        source_note = "n.note"
        note_join = "left join _indicator_notes as n on " + " and ".join(f"n.{k} = b.{k}" for k in note_keys)
    return con.sql(f"""
        select b.indicator_id, b.indicator_name, b.category, b.period_type, b.period, b.period_start,
            b.period_end, b.geography_type, b.geography_code, b.geography_name, b.breakdown,
            b.breakdown_value, b.numerator, b.denominator, b.value, b.unit, b.ci_lower, b.ci_upper,
            c.comparison, false as suppressed,
            nullif(concat_ws('; ', {provisional}, {source_note}), '') as note
        from ({valued_sql}) as b
        join _indicator_comparisons as c on {same_comparison}
        {note_join}""")
