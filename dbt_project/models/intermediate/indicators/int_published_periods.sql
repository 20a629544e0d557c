-- One row per source and published period: every quarter from a source's first to its last
-- quarter with an accepted file, and each financial year whose four quarters all have one.
with accepted as (
    select distinct source, {{ month_start('quarter') }} as quarter_start
    from {{ ref('stg_audit__loads') }}
    where status = 'accepted'
),

bounds as (
    select source, min(quarter_start) as first_quarter, max(quarter_start) as last_quarter
    from accepted
    group by source
),

quarters as (
    select bounds.source, unnest(generate_series(first_quarter, last_quarter, interval 3 month))::date as period_start
    from bounds
),

financial_years as (
    select source, {{ financial_year_start('quarter_start') }} as period_start
    from accepted
    group by all
    having count(*) = 4
)

select source, 'quarter' as period_type, period_start from quarters
union all
select source, 'financial_year', period_start from financial_years
