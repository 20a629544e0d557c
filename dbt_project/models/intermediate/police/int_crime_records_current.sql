-- One row per crime record: its current version, the accepted version with the latest
-- last_modified (a tie goes to the later quarter's file, then the later row).
-- The versions are ranked on their keys alone, then the winners' rows read whole: ranking
-- whole rows made the window sort every column of every version. A row is named by its
-- file's quarter and row number: raw.mps_crimes holds one current file per quarter, and
-- the quarter is cheaper to hash than the file's sha256.
-- Incremental: when the refresh only added new quarters' files, only the records with a
-- version in them are ranked again and replaced (macros/incremental_police.sql).
{{ config(materialized='incremental', unique_key='crime_ref', incremental_strategy='delete+insert') }}
-- depends_on: {{ ref('int_crime_records_changed') }}

{#- Not a CTE: DuckDB materializes a CTE read twice, which wrote every version out. -#}
{% set changed_only %}
    {% if is_incremental() %}
        where crime_ref in (select crime_ref from {{ ref('int_crime_records_changed') }})
    {% endif %}
{% endset %}

with ranked as (
    select
        file_quarter,
        file_row_number,
        row_number() over (
            partition by crime_ref order by last_modified_at desc, file_quarter desc, file_row_number desc
        ) as version_rank
    from {{ ref('stg_mps__crimes') }}
    {{ changed_only }}
)

select versions.*
from {{ ref('stg_mps__crimes') }} as versions
semi join ranked
    on versions.file_quarter = ranked.file_quarter
    and versions.file_row_number = ranked.file_row_number
    and ranked.version_rank = 1
{{ changed_only }}
