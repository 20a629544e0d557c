-- One row per services category, period and geography in which an expected provider sent
-- nothing, with the note `k of n providers missing`. Pan-London providers count in London only.
with expectations as (
    select *, lower(service_type_code) as type_category
    from {{ ref('int_service_provider_expectations') }}
),

by_category as (
    select 'all' as category, * from expectations
    union all
    select type_category, * from expectations
),

by_period as (
    select 'quarter' as period_type, quarter_start as period_start, * from by_category
    union all
    select
        'financial_year',
        {{ financial_year_start('quarter_start') }},
        *
    from by_category
),

by_geography as (
    select 'london' as geography_type, 'E12000007' as geography_code, * from by_period
    union all
    select 'borough', borough_code, * from by_period where borough_code <> 'E12000007'
)

select
    category, period_type, period_start, geography_type, geography_code,
    count(distinct provider_id) filter (where is_missing) as providers_missing,
    count(distinct provider_id) as providers_expected,
    providers_missing || ' of ' || providers_expected || ' providers missing' as note
from by_geography
group by all
having count(*) filter (where is_missing) > 0
