-- One row per landing file version whose rows are in a raw table (audit.raw_parts).
select
    source,
    quarter as file_quarter,
    file_name,
    file_sha256,
    rows_taken_out,
    added_in_run,
    added_in_run in (select run_id from {{ source('audit', 'incremental_run') }}) as is_added_by_incremental_run,
    code_fingerprint
from {{ source('audit', 'raw_parts') }}
