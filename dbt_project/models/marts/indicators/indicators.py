"""marts.indicators: one row per indicator x category x period x geography x breakdown value,
unsuppressed, with values, 95% limits, comparisons and notes. The limits are computed by
pipelines.statistics itself, with scipy.special's quantiles (statsmodels only checks them in the
tests)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.indicators.compute import indicators_relation

    as_at = dbt.ref("int_data_as_at").pl()["as_at_date"][0]
    notes = dbt.ref("int_service_missing_notes").select(
        "'service_returns' as source, category, period_type, period_start, geography_type, geography_code, note"
    )
    return indicators_relation(session, dbt.ref("int_indicator_values"), as_at=as_at, notes=notes)
