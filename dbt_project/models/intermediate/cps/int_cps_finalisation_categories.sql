-- One row per CPS finalisation and category it counts in: `all` and the category of each
-- VAWG flag (STALKING and HARASSMENT are one category, as are TRAFFICKING and PROSTITUTION).
-- A view: each record repeated per category is the widest relation of the project, and
-- writing it out cost more than reading it the once the indicator cells need it. Each
-- finalisation is expanded by unnesting its list of categories (its flags looked up in the
-- code list's map), not by joining categories back to the finalisations: that join held
-- every finalisation's columns in memory.
{{ config(materialized='view') }}

with flag_categories as (
    select map(list(vawg_flag), list(category)) as category_of_flag
    from {{ ref('cps_flag_categories') }}
),

finalisations as (
    select
        finalisations.*,
        list_distinct(list_filter(
            list_transform(
                string_split(finalisations.vawg_flag_list, ';'),
                lambda vawg_flag: flag_categories.category_of_flag[vawg_flag]
            ),
            lambda category: category is not null
        )) as flag_category_list
    from {{ ref('int_cps_finalisations_harmonised') }} as finalisations
    cross join flag_categories
)

select
    unnest(list_concat(['all'], flag_category_list)) as category,
    finalisations.* exclude (flag_category_list)
from finalisations
