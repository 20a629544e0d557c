-- One row per accepted service-return row, with whether its breakdown adds up to the
-- provider's TOTAL for that measure (categories absent from a return count as 0), and one
-- row per provider and quarter marked as its return.
with returns as (
    select * from {{ ref('stg_services__returns') }}
),

totals as (
    select file_sha256, provider_id, measure_code, reported_count as total_count
    from returns
    where return_breakdown_code = 'TOTAL'
),

breakdown_sums as (
    select file_sha256, provider_id, measure_code, return_breakdown_code, sum(reported_count) as category_sum
    from returns
    where return_breakdown_code <> 'TOTAL'
    group by all
)

select
    lower(returns.service_type_code) as category,
    returns.*,
    case
        when returns.return_breakdown_code = 'TOTAL' then true
        else coalesce(breakdown_sums.category_sum = totals.total_count, false)
    end as is_breakdown_consistent,
    row_number() over (partition by returns.file_sha256, returns.provider_id order by returns.file_row_number) = 1
        as is_first_row_of_return
from returns
left join totals
    on returns.file_sha256 = totals.file_sha256
    and returns.provider_id = totals.provider_id
    and returns.measure_code = totals.measure_code
left join breakdown_sums
    on returns.file_sha256 = breakdown_sums.file_sha256
    and returns.provider_id = breakdown_sums.provider_id
    and returns.measure_code = breakdown_sums.measure_code
    and returns.return_breakdown_code = breakdown_sums.return_breakdown_code
