-- One row per Havens attendance and category it counts in: `all` and its assault type.
-- A view: each record repeated per category is the widest relation of the project, and
-- writing it out cost more than reading it the once the indicator cells need it.
{{ config(materialized='view') }}

with attendances as (
    select * from {{ ref('int_havens_attendances_harmonised') }}
)

select 'all' as category, * from attendances
union all
select assault_category, * from attendances
