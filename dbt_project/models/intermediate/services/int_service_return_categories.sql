-- One row per service-return row and category it counts in: `all` and its service type.
select category, * exclude (category) from {{ ref('int_service_returns_checked') }}
union all
select 'all', * exclude (category) from {{ ref('int_service_returns_checked') }}
