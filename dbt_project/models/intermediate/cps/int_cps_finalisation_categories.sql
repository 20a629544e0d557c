-- One row per CPS finalisation and category it counts in: `all` and the category of each
-- VAWG flag (STALKING and HARASSMENT are one category, as are TRAFFICKING and PROSTITUTION).
-- A view: each record repeated per category is the widest relation of the project, and
-- writing it out cost more than reading it the once the indicator cells need it.
{{ config(materialized='view') }}

with finalisations as (
    select * from {{ ref('int_cps_finalisations_harmonised') }}
),

flags as (
    select distinct finalisations.cps_urn, finalisations.defendant_ref, flag_categories.category
    from finalisations
    cross join unnest(string_split(finalisations.vawg_flag_list, ';')) as flag_list (vawg_flag)
    inner join {{ ref('cps_flag_categories') }} as flag_categories
        on flag_list.vawg_flag = flag_categories.vawg_flag
),

categories as (
    select cps_urn, defendant_ref, 'all' as category from finalisations
    union all
    select cps_urn, defendant_ref, category from flags
)

select categories.category, finalisations.*
from categories
inner join finalisations
    on categories.cps_urn = finalisations.cps_urn and categories.defendant_ref = finalisations.defendant_ref
