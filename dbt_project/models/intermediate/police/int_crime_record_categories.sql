-- One row per in-scope crime record and VAWG category it counts in: `all`, its offence strand,
-- and the strand of each flag it carries.
-- A view: each record repeated per category is the widest relation of the project, and
-- writing it out cost more than reading it the once the indicator cells need it. Each record
-- is expanded by unnesting its list of categories, not by joining a union of category
-- queries back to the records: that join held every record's columns in memory (at national
-- scale, beyond DuckDB's limit, spilling to disk and doubling the cells' time).
{{ config(materialized='view') }}

with records as (
    select
        harmonised.*,
        coalesce(links.is_linked, false) as is_linked_to_cps,
        coalesce(links.is_prosecuted, false) as is_prosecuted,
        coalesce(links.is_convicted, false) as is_convicted
    from {{ ref('int_crime_records_harmonised') }} as harmonised
    left join {{ ref('int_crime_cps_links') }} as links on harmonised.crime_ref = links.crime_ref
    where harmonised.is_in_scope
)

select
    unnest(list_filter([
        'all',
        offence_strand,
        case when is_domestic_flagged then 'domestic_abuse' end,
        case when is_honour_flagged then 'honour_based_violence' end,
        case when is_forced_marriage_flagged then 'forced_marriage' end,
        case when is_fgm_flagged then 'fgm' end
    ], lambda category: category is not null)) as category,
    records.*
from records
