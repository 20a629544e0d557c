-- One row per geography an indicator is published for: London and its 33 boroughs.
select
    'london' as geography_type,
    'E12000007' as geography_code,
    'London' as geography_name,
    true as is_mps_borough
union all
select
    'borough',
    borough_code,
    borough_name,
    is_mps_borough
from {{ ref('boroughs') }}
