-- One row per crime record: its current version, the accepted version with the latest
-- last_modified (a tie goes to the later quarter's file, then the later row).
select *
from {{ ref('stg_mps__crimes') }}
qualify row_number() over (partition by crime_ref order by last_modified_at desc, file_quarter desc, file_row_number desc) = 1
