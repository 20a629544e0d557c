"""marts.indicators: one row per indicator x category x period x geography x breakdown value,
unsuppressed, with values, 95% limits and comparisons (statistics from scipy/statsmodels)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.indicators.compute import add_statistics

    values = dbt.ref("int_indicator_values").pl()
    return add_statistics(values).to_arrow()
