-- One row per accepted row of a support service's quarterly monitoring return.
select
    file_sha256,
    file_name,
    quarter as file_quarter,
    {{ month_start('quarter') }} as quarter_start,
    row_number as file_row_number,
    provider_id,
    service_type as service_type_code,
    borough_code,
    measure as measure_code,
    breakdown as return_breakdown_code,
    category as return_category_code,
    count as reported_count
from {{ source('raw', 'service_returns') }}
