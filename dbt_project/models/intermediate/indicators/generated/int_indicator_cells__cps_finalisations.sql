-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per cell key (category x period x geography x breakdown value) of
-- cps_finalisations, with a count column per population and subset.
{{ indicator_cells(
    source="cps_finalisations",
    model="int_cps_finalisation_categories",
    period_date="finalised_date",
    geographies={
        "whole": {"type": "london", "code": "E12000007"},
        "part": {"type": "borough", "column": "borough_code", "mps_only": true}
    },
    value_list="cps",
    categories=[
        "all", "domestic_abuse", "rape", "sexual_offences", "child_abuse", "honour_based_violence", "forced_marriage",
        "fgm", "stalking_harassment", "trafficking_exploitation"
    ],
    breakdowns={
        "total": "'ALL'",
        "gender": "defendant_gender_code",
        "ethnicity": "defendant_ethnicity_code",
        "age_band": "defendant_age_band",
        "gender_ethnicity": "defendant_gender_code || '|' || defendant_ethnicity_code",
        "victim_gender": "victim_gender_code"
    },
    cells={
        "cps_finalisations": {"where": "true"},
        "cps_finalisations__convicted": {"where": "(true) and (is_conviction)"},
        "cps_finalisations__unsuccessful": {"where": "(true) and (is_unsuccessful)"},
        "cps_finalisations__victim_issue": {"where": "(true) and (is_victim_issue)"},
        "cps_finalisations__ethnicity_recorded": {"where": "(true) and (is_defendant_ethnicity_recorded)"},
        "cps_finalisations__age_recorded": {"where": "(true) and (is_defendant_age_recorded)"}
    },
    count_expression="1",
    breakdown_filters={}
) }}
