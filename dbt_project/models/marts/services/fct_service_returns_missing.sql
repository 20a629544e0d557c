-- One row per provider and quarter in which an expected return did not arrive.
select provider_id, service_type_code, borough_code, quarter_start
from {{ ref('int_service_provider_expectations') }}
where is_missing
