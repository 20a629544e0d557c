-- One row per crime record with a version in a police file that the running refresh added to
-- the raw table it kept from the previous warehouse: the only records whose current version
-- can have changed. Empty unless the refresh records its run in audit.incremental_run.
{{ config(materialized='view') }}

select distinct crime_ref
from {{ ref('stg_mps__crimes') }}
where file_sha256 in (
        select file_sha256
        from {{ ref('stg_audit__raw_parts') }}
        where source = 'mps_crimes' and is_added_by_incremental_run
    )
