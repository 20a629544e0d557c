"""The part of marts.indicators a Panel may read (interfaces.md, "The Panel's dataset")."""
from __future__ import annotations

import polars as pl

WHOLE_AREAS = ["london", "uk"]


def panel_rows(indicators: pl.DataFrame) -> pl.DataFrame:
    """London and the UK in full; boroughs, Havens and UK regions as financial years with every
    breakdown but gender_ethnicity, and as quarters with the total only."""
    whole = pl.col("geography_type").is_in(WHOLE_AREAS)
    part_years = (pl.col("period_type") == "financial_year") & (pl.col("breakdown") != "gender_ethnicity")
    part_quarters = (pl.col("period_type") == "quarter") & (pl.col("breakdown") == "total")
    return indicators.filter(whole | part_years | part_quarters)


def disclosure_controlled(panel: pl.DataFrame) -> pl.DataFrame:
    """The Panel rows after disclosure control on cells (indicators.md, "Disclosure control";
    pipelines/publish/disclosure.py)."""
    from pipelines.publish.disclosure import apply_disclosure_control

    return apply_disclosure_control(panel)
