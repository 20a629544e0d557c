-- One row per accepted CPS defendant finalisation: renamed and typed; codes as sent.
select
    file_sha256,
    file_name,
    quarter as file_quarter,
    row_number as file_row_number,
    urn as cps_urn,
    defendant_ref,
    finalised_date,
    police_borough_code as borough_code,
    vawg_flags as vawg_flag_list,
    outcome as outcome_code,
    unsuccessful_reason as unsuccessful_reason_code,
    defendant_sex as defendant_sex_code,
    defendant_age,
    defendant_ethnicity as defendant_ethnicity_label_code,
    victim_sex as victim_sex_code
from {{ source('raw', 'cps_finalisations') }}
