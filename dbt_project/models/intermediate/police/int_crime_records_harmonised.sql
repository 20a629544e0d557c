-- One row per crime record (current version) with its offence strand, scope and the victim's
-- characteristics harmonised to the Board's shared dimensions.
-- A view: the lookups against small code lists cost less each time it is read than
-- writing the records out once more.
{{ config(materialized='view') }}

with records as (
    select * from {{ ref('int_crime_records_current') }}
),

strands as (
    select ho_offence_code, strand from {{ ref('offence_strands') }}
),

sde as (
    select sde_code, ethnic_group from {{ ref('ethnicity_sde_codes') }}
),

identity_codes as (
    select ic_code, ethnic_group from {{ ref('ethnicity_identity_codes') }}
),

age_bands as (
    select age_band, min_age, max_age from {{ ref('age_bands') }}
)

select
    records.*,
    -- An INCIDENT is in no offence strand whatever code it carries.
    case when records.classification_code in ('CRIME', 'NO_CRIME') then strands.strand end as offence_strand,
    (
        offence_strand is not null
        or is_domestic_flagged or is_honour_flagged or is_forced_marriage_flagged or is_fgm_flagged
    ) as is_in_scope,
    case victim_sex_code when 'F' then 'FEMALE' when 'M' then 'MALE' else 'UNKNOWN' end as victim_gender_code,
    -- Self-defined ethnicity first; the officer's identity code only where it is NS or blank.
    coalesce(
        case when sde.ethnic_group <> 'UNKNOWN' then sde.ethnic_group end,
        identity_codes.ethnic_group,
        'UNKNOWN'
    ) as victim_ethnicity_code,
    case victim_disability_code when 'Y' then 'YES' when 'N' then 'NO' else 'UNKNOWN' end as victim_disability_status_code,
    case victim_sexuality_code
        when 'HET' then 'HETEROSEXUAL'
        when 'GAY' then 'GAY_LESBIAN'
        when 'BI' then 'BISEXUAL'
        when 'OTH' then 'OTHER'
        else 'UNKNOWN'
    end as victim_sexuality_group_code,
    coalesce(age_bands.age_band, 'UNKNOWN') as victim_age_band,
    (victim_sde_code is not null and victim_sde_code <> 'NS') as is_victim_ethnicity_self_defined,
    (victim_disability_code is not null and victim_disability_code <> 'U') as is_victim_disability_recorded,
    (victim_sexuality_code is not null and victim_sexuality_code <> 'NS') as is_victim_sexuality_recorded,
    (victim_age is not null) as is_victim_age_recorded,
    -- A date-level proxy for the rule that crimes are recorded within 72 hours.
    (recorded_date <= reported_date + interval 3 day) as is_recorded_timely
from records
left join strands on records.ho_offence_code = strands.ho_offence_code
left join sde on records.victim_sde_code = sde.sde_code
left join identity_codes on records.victim_ic_code = identity_codes.ic_code
left join age_bands on records.victim_age between age_bands.min_age and age_bands.max_age
