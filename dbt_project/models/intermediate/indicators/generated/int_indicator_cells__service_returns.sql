-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per cell key (category x period x geography x breakdown value) of
-- service_returns, with a count column per population and subset.
{{ indicator_cells(
    source="service_returns",
    model="int_service_return_categories",
    period_date="quarter_start",
    geographies={
        "whole": {"type": "london", "code": "E12000007"},
        "part": {"type": "borough", "column": "borough_code"}
    },
    value_list="services",
    categories=["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
    breakdowns={
        "total": "'ALL'",
        "gender": "return_category_code",
        "ethnicity": "return_category_code",
        "disability": "return_category_code",
        "sexuality": "return_category_code",
        "age_band": "return_category_code"
    },
    cells={
        "services": {"where": "false"},
        "services__new_referrals": {"where": "measure_code = 'NEW_REFERRALS'"},
        "services__clients_supported": {"where": "measure_code = 'CLIENTS_SUPPORTED'"},
        "services__waiting_list": {"where": "measure_code = 'WAITING_LIST'"},
        "services__waiting_list_at_year_end": {"where": "measure_code = 'WAITING_LIST' and month(quarter_start) = 1"},
        "services__declined_capacity": {"where": "measure_code = 'REFERRALS_DECLINED_CAPACITY'"},
        "services__returns_received": {"where": "is_first_row_of_return", "value": "1"}
    },
    count_expression="reported_count",
    breakdown_filters={
        "total": "return_breakdown_code = 'TOTAL'",
        "gender": "return_breakdown_code = 'GENDER' and is_breakdown_consistent",
        "ethnicity": "return_breakdown_code = 'ETHNICITY' and is_breakdown_consistent",
        "disability": "return_breakdown_code = 'DISABILITY' and is_breakdown_consistent",
        "sexuality": "return_breakdown_code = 'SEXUALITY' and is_breakdown_consistent",
        "age_band": "return_breakdown_code = 'AGE_BAND' and is_breakdown_consistent"
    }
) }}
