-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per cell key (category x period x geography x breakdown value) of
-- havens_attendances, with a count column per population and subset.
{{ indicator_cells(
    source="havens_attendances",
    model="int_havens_attendance_categories",
    period_date="attendance_date",
    geographies={"whole": {"type": "london", "code": "E12000007"}, "part": {"type": "haven", "column": "haven_code"}},
    value_list="havens",
    categories=["all", "rape", "sexual_assault", "other"],
    breakdowns={
        "total": "'ALL'",
        "gender": "client_gender_code",
        "ethnicity": "client_ethnicity_code",
        "disability": "client_disability_status_code",
        "sexuality": "client_sexuality_group_code",
        "age_band": "client_age_band",
        "gender_ethnicity": "client_gender_code || '|' || client_ethnicity_code"
    },
    cells={
        "havens_attendances": {"where": "true"},
        "havens_attendances__self_referred": {"where": "(true) and (referral_route_code = 'SELF')"},
        "havens_attendances__police_status_known": {"where": "(true) and (reported_to_police_code in ('Y', 'N'))"},
        "havens_attendances__reported_to_police": {"where": "(true) and (reported_to_police_code = 'Y')"},
        "havens_attendances__ethnicity_recorded": {"where": "(true) and (is_client_ethnicity_recorded)"},
        "havens_attendances__disability_recorded": {"where": "(true) and (is_client_disability_recorded)"},
        "havens_attendances__sexuality_recorded": {"where": "(true) and (is_client_sexuality_recorded)"}
    },
    count_expression="1",
    breakdown_filters={}
) }}
