-- One row per CPS London defendant finalisation flagged as VAWG, with its outcome group and
-- harmonised characteristics.
select
    cps_urn, defendant_ref, finalised_date, borough_code, vawg_flag_list, outcome_code, outcome_group,
    is_conviction, is_unsuccessful, unsuccessful_reason_code, is_victim_issue,
    defendant_gender_code, defendant_age, defendant_age_band, defendant_ethnicity_code,
    defendant_ethnicity_label_code, victim_gender_code, file_quarter
from {{ ref('int_cps_finalisations_harmonised') }}
