-- One row per CPS defendant finalisation with its outcome group and the defendant's and
-- victim's characteristics harmonised. CPS ethnicity keeps `CHINESE_OR_OTHER` as its own
-- group: it cannot be split into Asian and Other.
with finalisations as (
    select * from {{ ref('stg_cps__finalisations') }}
),

outcomes as (
    select outcome_code, outcome_group from {{ ref('cps_outcomes') }}
),

reasons as (
    select unsuccessful_reason_code, is_victim_issue from {{ ref('cps_unsuccessful_reasons') }}
),

age_bands as (
    select age_band, min_age, max_age from {{ ref('age_bands') }}
)

select
    finalisations.*,
    outcomes.outcome_group,
    outcomes.outcome_group = 'conviction' as is_conviction,
    outcomes.outcome_group = 'unsuccessful' as is_unsuccessful,
    coalesce(outcomes.outcome_group = 'unsuccessful' and reasons.is_victim_issue, false) as is_victim_issue,
    case defendant_sex_code when 'FEMALE' then 'FEMALE' when 'MALE' then 'MALE' else 'UNKNOWN' end as defendant_gender_code,
    case
        when defendant_ethnicity_label_code in ('WHITE', 'MIXED', 'ASIAN', 'BLACK', 'CHINESE_OR_OTHER')
            then defendant_ethnicity_label_code
        else 'UNKNOWN'
    end as defendant_ethnicity_code,
    coalesce(age_bands.age_band, 'UNKNOWN') as defendant_age_band,
    case victim_sex_code when 'FEMALE' then 'FEMALE' when 'MALE' then 'MALE' else 'UNKNOWN' end as victim_gender_code,
    defendant_ethnicity_label_code in ('WHITE', 'MIXED', 'ASIAN', 'BLACK', 'CHINESE_OR_OTHER') as is_defendant_ethnicity_recorded,
    defendant_age is not null as is_defendant_age_recorded
from finalisations
left join outcomes on finalisations.outcome_code = outcomes.outcome_code
left join reasons on finalisations.unsuccessful_reason_code = reasons.unsuccessful_reason_code
left join age_bands on finalisations.defendant_age between age_bands.min_age and age_bands.max_age
