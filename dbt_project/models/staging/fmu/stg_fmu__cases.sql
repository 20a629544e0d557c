-- One row per accepted Forced Marriage Unit case (UK-wide): renamed and typed.
select
    file_sha256,
    file_name,
    quarter as file_quarter,
    row_number as file_row_number,
    case_reference,
    date_opened as opened_date,
    uk_region as uk_region_label_code,
    gender as gender_code,
    age_band as fmu_age_band,
    focus_country as focus_country_name,
    disability as disability_code,
    lgbt as lgbt_code,
    case_type as case_type_code
from {{ source('raw', 'fmu_cases') }}
