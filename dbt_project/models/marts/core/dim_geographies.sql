-- One row per geography an indicator is published for: London and its 33 boroughs, the
-- three Havens, the UK and its regions (for the Forced Marriage Unit).
select 'london' as geography_type, 'E12000007' as geography_code, 'London' as geography_name, true as is_mps_borough
union all
select 'borough', borough_code, borough_name, is_mps_borough from {{ ref('boroughs') }}
union all
select 'haven', haven_code, haven_name, false from {{ ref('havens') }}
union all
select 'uk', 'K02000001', 'United Kingdom', false
union all
select 'uk_region', geography_code, geography_name, false from {{ ref('uk_regions') }}
