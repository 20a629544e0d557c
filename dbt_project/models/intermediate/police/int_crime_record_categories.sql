-- One row per in-scope crime record and VAWG category it counts in: `all`, its offence strand,
-- and the strand of each flag it carries.
-- A view: each record repeated per category is the widest relation of the project, and
-- writing it out cost more than reading it the once the indicator cells need it.
{{ config(materialized='view') }}

with records as (
    select * from {{ ref('int_crime_records_harmonised') }}
    where is_in_scope
),

categories as (
    select crime_ref, 'all' as category from records
    union all
    select crime_ref, offence_strand from records where offence_strand is not null
    union all
    select crime_ref, 'domestic_abuse' from records where is_domestic_flagged
    union all
    select crime_ref, 'honour_based_violence' from records where is_honour_flagged
    union all
    select crime_ref, 'forced_marriage' from records where is_forced_marriage_flagged
    union all
    select crime_ref, 'fgm' from records where is_fgm_flagged
)

select
    categories.category,
    records.*,
    coalesce(links.is_linked, false) as is_linked_to_cps,
    coalesce(links.is_prosecuted, false) as is_prosecuted,
    coalesce(links.is_convicted, false) as is_convicted
from categories
inner join records on categories.crime_ref = records.crime_ref
left join {{ ref('int_crime_cps_links') }} as links on records.crime_ref = links.crime_ref
