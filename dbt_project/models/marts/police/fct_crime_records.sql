-- One row per MPS crime or incident record in VAWG scope, in its current version, with
-- harmonised codes. Records that left scope are not here: they count in no indicator.
-- Incremental like int_crime_records_current: the records with a version in a file the
-- refresh added are deleted, and those still in scope written again.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_changed_crime_records() }}") }}
-- depends_on: {{ ref('int_crime_records_changed') }}

select
    crime_ref,
    classification_code,
    borough_code,
    reported_date,
    recorded_date,
    offence_date,
    no_crime_date,
    ho_offence_code,
    offence_strand,
    is_domestic_flagged,
    is_honour_flagged,
    is_forced_marriage_flagged,
    is_fgm_flagged,
    is_multiple_perpetrator,
    outcome_type_code,
    outcome_date,
    cps_urn,
    victim_gender_code,
    victim_age,
    victim_age_band,
    victim_ethnicity_code,
    victim_sde_code,
    victim_ic_code,
    victim_disability_status_code,
    victim_sexuality_group_code,
    is_victim_ethnicity_self_defined,
    is_recorded_timely,
    suspect_sex_code,
    suspect_age,
    suspect_sde_code,
    last_modified_at,
    file_quarter as last_file_quarter
from {{ ref('int_crime_records_harmonised') }}
where is_in_scope
    {% if is_incremental() %}
        and crime_ref in (select crime_ref from {{ ref('int_crime_records_changed') }})
    {% endif %}
