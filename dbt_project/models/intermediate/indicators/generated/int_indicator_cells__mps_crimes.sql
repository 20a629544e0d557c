-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per cell key (category x period x geography x breakdown value) of
-- mps_crimes, with a count column per population and subset.
{{ indicator_cells(
    source="mps_crimes",
    model="int_crime_record_categories",
    period_date="recorded_date",
    geographies={
        "whole": {"type": "london", "code": "E12000007"},
        "part": {"type": "borough", "column": "borough_code", "mps_only": true}
    },
    value_list="police",
    categories=[
        "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
        "stalking_harassment", "trafficking_exploitation"
    ],
    breakdowns={
        "total": "'ALL'",
        "gender": "victim_gender_code",
        "ethnicity": "victim_ethnicity_code",
        "disability": "victim_disability_status_code",
        "sexuality": "victim_sexuality_group_code",
        "age_band": "victim_age_band",
        "gender_ethnicity": "victim_gender_code || '|' || victim_ethnicity_code"
    },
    cells={
        "police_cohort": {"where": "classification_code = 'CRIME'"},
        "police_cohort__withdrawn": {
            "where": "(classification_code = 'CRIME') and (outcome_type_code in ('14', '16'))"
        },
        "police_cohort__charged": {"where": "(classification_code = 'CRIME') and (outcome_type_code = '1')"},
        "police_cohort__pending": {"where": "(classification_code = 'CRIME') and (outcome_type_code is null)"},
        "police_cohort__multiple_perpetrator": {
            "where": "(classification_code = 'CRIME') and (is_multiple_perpetrator)"
        },
        "police_cohort__ethnicity_recorded": {
            "where": "(classification_code = 'CRIME') and (is_victim_ethnicity_self_defined)"
        },
        "police_cohort__disability_recorded": {
            "where": "(classification_code = 'CRIME') and (is_victim_disability_recorded)"
        },
        "police_cohort__sexuality_recorded": {
            "where": "(classification_code = 'CRIME') and (is_victim_sexuality_recorded)"
        },
        "police_cohort__age_recorded": {"where": "(classification_code = 'CRIME') and (is_victim_age_recorded)"},
        "police_cohort__prosecuted": {"where": "(classification_code = 'CRIME') and (is_prosecuted)"},
        "police_cohort__convicted": {"where": "(classification_code = 'CRIME') and (is_convicted)"},
        "police_cohort__charged_with_urn": {
            "where": "(classification_code = 'CRIME') and (outcome_type_code = '1' and cps_urn is not null)"
        },
        "police_cohort__linked": {
            "where": "(classification_code = 'CRIME') and (outcome_type_code = '1' and cps_urn is not null and is_linked_to_cps)"
        },
        "police_all_records": {"where": "classification_code in ('CRIME', 'NO_CRIME')"},
        "police_all_records__no_crimed": {
            "where": "(classification_code in ('CRIME', 'NO_CRIME')) and (classification_code = 'NO_CRIME')"
        },
        "police_all_records__timely": {
            "where": "(classification_code in ('CRIME', 'NO_CRIME')) and (is_recorded_timely)"
        },
        "police_crimes_and_incidents": {"where": "classification_code in ('CRIME', 'INCIDENT')"}
    },
    count_expression="1",
    breakdown_filters={}
) }}
