-- One row per Havens attendance with the client's characteristics harmonised from NHS codes.
with attendances as (
    select * from {{ ref('stg_havens__attendances') }}
),

age_bands as (
    select age_band, min_age, max_age from {{ ref('age_bands') }}
)

select
    attendances.*,
    lower(assault_type_code) as assault_category,
    case client_gender_nhs_code when '2' then 'FEMALE' when '1' then 'MALE' when '9' then 'OTHER' else 'UNKNOWN' end
        as client_gender_code,
    coalesce(ethnic.ethnic_group, 'UNKNOWN') as client_ethnicity_code,
    case client_disability_code when 'Y' then 'YES' when 'N' then 'NO' else 'UNKNOWN' end as client_disability_status_code,
    case client_sexuality_nhs_code
        when '1' then 'HETEROSEXUAL'
        when '2' then 'GAY_LESBIAN'
        when '3' then 'BISEXUAL'
        when '4' then 'OTHER'
        else 'UNKNOWN'
    end as client_sexuality_group_code,
    coalesce(age_bands.age_band, 'UNKNOWN') as client_age_band,
    client_ethnicity_nhs_code is not null and client_ethnicity_nhs_code not in ('Z', '99') as is_client_ethnicity_recorded,
    client_disability_code is not null and client_disability_code <> 'Z' as is_client_disability_recorded,
    client_sexuality_nhs_code is not null and client_sexuality_nhs_code not in ('U', 'Z', '9') as is_client_sexuality_recorded
from attendances
left join {{ ref('nhs_ethnic_categories') }} as ethnic on attendances.client_ethnicity_nhs_code = ethnic.nhs_ethnic_code
left join age_bands on attendances.client_age between age_bands.min_age and age_bands.max_age
