-- One row per Forced Marriage Unit case opened (UK-wide), with its region's ONS code.
select
    case_reference, opened_date, uk_region_code, uk_region_label_code, victim_gender_code, victim_age_band,
    focus_country_name, victim_disability_status_code, victim_sexuality_group_code, case_type_code, file_quarter
from {{ ref('int_fmu_cases_harmonised') }}
