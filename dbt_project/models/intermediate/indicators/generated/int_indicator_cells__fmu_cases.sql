-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per cell key (category x period x geography x breakdown value) of
-- fmu_cases, with a count column per population and subset.
{{ indicator_cells(
    source="fmu_cases",
    model="int_fmu_cases_harmonised",
    period_date="opened_date",
    geographies={
        "whole": {"type": "uk", "code": "K02000001"},
        "part": {"type": "uk_region", "column": "uk_region_code"}
    },
    value_list="fmu",
    categories=["all"],
    breakdowns={
        "total": "'ALL'",
        "gender": "victim_gender_code",
        "disability": "victim_disability_status_code",
        "sexuality": "victim_sexuality_group_code",
        "age_band": "victim_age_band"
    },
    cells={
        "fmu_cases": {"where": "true"},
        "fmu_cases__london": {"where": "(true) and (uk_region_label_code = 'LONDON')"}
    },
    count_expression="1",
    breakdown_filters={}
) }}
