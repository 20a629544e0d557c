-- One row per accepted Havens attendance: renamed and typed; NHS codes as sent.
select
    file_sha256,
    file_name,
    quarter as file_quarter,
    row_number as file_row_number,
    attendance_id,
    client_ref,
    attendance_date,
    haven as haven_code,
    referral_route as referral_route_code,
    assault_type as assault_type_code,
    acute as is_acute,
    forensic_exam as had_forensic_exam,
    reported_to_police as reported_to_police_code,
    client_gender as client_gender_nhs_code,
    client_age,
    client_ethnicity as client_ethnicity_nhs_code,
    client_disability as client_disability_code,
    client_sexuality as client_sexuality_nhs_code,
    residence_borough_code
from {{ source('raw', 'havens_attendances') }}
