-- One row per attendance at the Havens, with the client's characteristics harmonised.
select
    attendance_id, client_ref, attendance_date, haven_code, referral_route_code, assault_type_code,
    is_acute, had_forensic_exam, reported_to_police_code, client_gender_code, client_age, client_age_band,
    client_ethnicity_code, client_ethnicity_nhs_code, client_disability_status_code, client_sexuality_group_code,
    residence_borough_code, file_quarter
from {{ ref('int_havens_attendances_harmonised') }}
