-- One row per landing file version the loader has seen, with its status today (audit.loads).
select
    source,
    file_name,
    quarter,
    sha256,
    status,
    reason,
    rows_read,
    rows_loaded,
    rows_quarantined,
    warnings,
    columns_dropped,
    loaded_at
from {{ source('audit', 'loads') }}
