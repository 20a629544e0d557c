-- One row per police crime record (current version) that carries a CPS URN, with what the
-- CPS finalisations under that URN say: a crime is prosecuted when any defendant under its
-- URN had a finalisation other than ADMIN_FINALISED, convicted when any was convicted.
-- Every accepted finalisation counts, whatever its date; one URN may cover several crimes.
with crimes as (
    select crime_ref, cps_urn from {{ ref('int_crime_records_current') }}
    where cps_urn is not null
),

cases as (
    select
        cps_urn,
        count(*) as finalisation_count,
        count(*) filter (where outcome_group <> 'administrative') as prosecuted_defendant_count,
        count(*) filter (where is_conviction) as convicted_defendant_count,
        min(finalised_date) as first_finalised_date,
        max(finalised_date) as last_finalised_date
    from {{ ref('int_cps_finalisations_harmonised') }}
    group by cps_urn
)

select
    crimes.crime_ref,
    crimes.cps_urn,
    cases.cps_urn is not null as is_linked,
    coalesce(cases.prosecuted_defendant_count > 0, false) as is_prosecuted,
    coalesce(cases.convicted_defendant_count > 0, false) as is_convicted,
    coalesce(cases.finalisation_count, 0) as finalisation_count,
    coalesce(cases.convicted_defendant_count, 0) as convicted_defendant_count,
    cases.first_finalised_date,
    cases.last_finalised_date
from crimes
left join cases on crimes.cps_urn = cases.cps_urn
