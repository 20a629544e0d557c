-- One row per accepted row of a support service's quarterly monitoring return, with whether
-- its breakdown adds up to the provider's total.
select
    provider_id, service_type_code, borough_code, quarter_start, measure_code, return_breakdown_code,
    return_category_code, reported_count, is_breakdown_consistent, file_quarter
from {{ ref('int_service_returns_checked') }}
