"""marts.indicators: one row per indicator x category x period x geography x breakdown value,
unsuppressed, with values, 95% limits, comparisons and notes (statistics from scipy/statsmodels)."""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from pipelines.indicators.compute import add_statistics

    values = dbt.ref("int_indicator_values").pl()
    as_at = dbt.ref("int_data_as_at").pl()["as_at_date"][0]
    notes = dbt.ref("int_service_missing_notes").pl().select(
        pl.lit("service_returns").alias("source"), "category", "period_type", "period_start",
        "geography_type", "geography_code", "note")
    return add_statistics(values, as_at=as_at, notes=notes).to_arrow()
