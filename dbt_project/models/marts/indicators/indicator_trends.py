"""marts.indicator_trends: one row per percent indicator x category x geography x breakdown value
with financial years: the latest financial year that is not provisional against the year before
(Newcombe interval, statsmodels) and over the last five such years (chi-squared trend test, scipy)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.indicators.trends import trends_relation

    return trends_relation(session, dbt.ref("indicators"))
