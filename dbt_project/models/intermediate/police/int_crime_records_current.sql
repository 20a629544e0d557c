-- One row per crime record: its current version, the accepted version with the latest
-- last_modified (a tie goes to the later quarter's file, then the later row).
-- The versions are ranked on their keys alone, then the winners' rows read whole: ranking
-- whole rows made the window sort every column of every version. A row is named by its
-- file's quarter and row number: raw.mps_crimes holds one current file per quarter, and
-- the quarter is cheaper to hash than the file's sha256 (3 s less at national scale).
with ranked as (
    select
        file_quarter,
        file_row_number,
        row_number() over (
            partition by crime_ref order by last_modified_at desc, file_quarter desc, file_row_number desc
        ) as version_rank
    from {{ ref('stg_mps__crimes') }}
)

select versions.*
from {{ ref('stg_mps__crimes') }} as versions
semi join ranked
    on versions.file_quarter = ranked.file_quarter
    and versions.file_row_number = ranked.file_row_number
    and ranked.version_rank = 1
