"""The part of marts.indicators a Panel may read (interfaces.md, "The Panel's dataset")."""

from __future__ import annotations

import duckdb
import polars as pl

# London and the UK in full; boroughs, Havens and UK regions as financial years with every
# breakdown but gender_ethnicity, and as quarters with the total only. SQL, so that DuckDB
# picks the rows where marts.indicators lies and the whole grid is never read into memory.
PANEL_ROWS = """
    geography_type in ('london', 'uk')
    or (period_type = 'financial_year' and breakdown <> 'gender_ethnicity')
    or (period_type = 'quarter' and breakdown = 'total')
"""


def panel_rows_of_warehouse(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The Panel's rows of the warehouse `con` is connected to, in the table's order."""
    return con.sql(f"select * from marts.indicators where {PANEL_ROWS}").pl()


def panel_rows(indicators: pl.DataFrame) -> pl.DataFrame:
    """The Panel's rows of a frame with marts.indicators' columns (the same rule)."""
    return duckdb.sql(f"select * from indicators where {PANEL_ROWS}").pl()


def disclosure_controlled(panel: pl.DataFrame) -> pl.DataFrame:
    """The Panel rows after disclosure control on cells (indicators.md, "Disclosure control";
    pipelines/publish/disclosure.py)."""
    from pipelines.publish.disclosure import apply_disclosure_control

    return apply_disclosure_control(panel)
