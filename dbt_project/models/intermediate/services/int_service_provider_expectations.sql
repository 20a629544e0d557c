-- One row per provider and published quarter in which it was expected (it sent a return in
-- any of the four quarters before), with whether it sent nothing (is_missing). A missing
-- return is reported as missing, never counted as 0.
with returns as (
    select distinct provider_id, quarter_start from {{ ref('stg_services__returns') }}
),

providers as (
    -- A provider has one service type and lead borough; the latest return says which.
    select provider_id, service_type_code, borough_code
    from (
        select
            provider_id,
            service_type_code,
            borough_code,
            row_number() over (partition by provider_id order by quarter_start desc, file_row_number asc) as recency
        from {{ ref('stg_services__returns') }}
    ) as ranked
    where recency = 1
),

quarters as (
    select period_start as quarter_start
    from {{ ref('int_published_periods') }}
    where source = 'service_returns' and period_type = 'quarter'
),

expected as (
    select distinct returns.provider_id, quarters.quarter_start
    from quarters
    inner join returns
        on quarters.quarter_start > returns.quarter_start
        and returns.quarter_start >= quarters.quarter_start - interval 12 month
)

select
    expected.provider_id,
    providers.service_type_code,
    providers.borough_code,
    expected.quarter_start,
    sent.provider_id is null as is_missing
from expected
inner join providers on expected.provider_id = providers.provider_id
left join returns as sent
    on expected.provider_id = sent.provider_id and expected.quarter_start = sent.quarter_start
