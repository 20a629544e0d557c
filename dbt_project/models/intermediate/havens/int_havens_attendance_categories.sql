-- One row per Havens attendance and category it counts in: `all` and its assault type.
with attendances as (
    select * from {{ ref('int_havens_attendances_harmonised') }}
)

select 'all' as category, * from attendances
union all
select assault_category, * from attendances
