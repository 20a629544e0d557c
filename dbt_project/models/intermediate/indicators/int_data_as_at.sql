-- One row: the data's as-at date, the latest record date loaded from any source (police
-- last_modified, CPS finalisation, Havens attendance, FMU case opened, end of the latest
-- service-return quarter). Rows of indicators with `provisional_quarters` in indicators.yml
-- (police outcomes: four, end to end: eight) whose period ends closer to it are provisional.
select max(as_at_date) as as_at_date
from (
    select max(last_modified_at)::date as as_at_date from {{ ref('stg_mps__crimes') }}
    union all
    select max(finalised_date) from {{ ref('stg_cps__finalisations') }}
    union all
    select max(attendance_date) from {{ ref('stg_havens__attendances') }}
    union all
    select max(opened_date) from {{ ref('stg_fmu__cases') }}
    union all
    select max(quarter_start + interval 3 month - interval 1 day)::date from {{ ref('stg_services__returns') }}
)
