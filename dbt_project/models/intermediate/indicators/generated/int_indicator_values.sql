-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.
-- One row per indicator x category x period x geography x breakdown value:
-- numerator, denominator and populations, before statistics.
-- A view: marts.indicators reads it whole, and computing it from the cells each time
-- costs less than writing its millions of rows (the same at every scale).
{{ config(materialized='view') }}
with rows as (
    -- police_recorded_crimes
    {{ indicator_rows({
        "id": "police_recorded_crimes",
        "unit": "count",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_recorded_crimes_change
    {{ indicator_rows({
        "id": "police_recorded_crimes_change",
        "unit": "percent_change",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total"]
    }) }}
    union all
    -- police_records_total
    {{ indicator_rows({
        "id": "police_records_total",
        "unit": "count",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_crimes_and_incidents",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_no_crime_rate
    {{ indicator_rows({
        "id": "police_no_crime_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_all_records__no_crimed",
        "denominator_cell": "police_all_records",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_withdrawal_rate
    {{ indicator_rows({
        "id": "police_withdrawal_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__withdrawn",
        "denominator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_charge_rate
    {{ indicator_rows({
        "id": "police_charge_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__charged",
        "denominator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_outcome_pending_rate
    {{ indicator_rows({
        "id": "police_outcome_pending_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__pending",
        "denominator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_multiple_perpetrator_rapes
    {{ indicator_rows({
        "id": "police_multiple_perpetrator_rapes",
        "unit": "count",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__multiple_perpetrator",
        "categories": ["rape"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- police_timely_recording_rate
    {{ indicator_rows({
        "id": "police_timely_recording_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_all_records__timely",
        "denominator_cell": "police_all_records",
        "categories": ["rape", "other_sexual_offences"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total"]
    }) }}
    union all
    -- police_victimisation_rate
    {{ indicator_rows({
        "id": "police_victimisation_rate",
        "unit": "per_1000",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "ethnicity"]
    }) }}
    union all
    -- police_victimisation_rri
    {{ indicator_rows({
        "id": "police_victimisation_rri",
        "unit": "ratio",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["ethnicity"],
        "breakdown_values": ["MIXED", "ASIAN", "BLACK", "OTHER"],
        "reference_value": "WHITE"
    }) }}
    union all
    -- police_recording_completeness
    {{ indicator_rows({
        "id": "police_recording_completeness",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "denominator_cell": "police_cohort",
        "categories": ["ethnicity", "disability", "sexuality", "age"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total"],
        "category_numerators": {
            "ethnicity": "police_cohort__ethnicity_recorded",
            "disability": "police_cohort__disability_recorded",
            "sexuality": "police_cohort__sexuality_recorded",
            "age": "police_cohort__age_recorded"
        },
        "from_category": "all"
    }) }}
    union all
    -- e2e_prosecuted_rate
    {{ indicator_rows({
        "id": "e2e_prosecuted_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__prosecuted",
        "denominator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- e2e_conviction_rate
    {{ indicator_rows({
        "id": "e2e_conviction_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__convicted",
        "denominator_cell": "police_cohort",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- e2e_link_rate
    {{ indicator_rows({
        "id": "e2e_link_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__mps_crimes",
        "numerator_cell": "police_cohort__linked",
        "denominator_cell": "police_cohort__charged_with_urn",
        "categories": [
            "all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences",
            "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- cps_finalisations
    {{ indicator_rows({
        "id": "cps_finalisations",
        "unit": "count",
        "cells_model": "int_indicator_cells__cps_finalisations",
        "numerator_cell": "cps_finalisations",
        "categories": [
            "all", "domestic_abuse", "rape", "sexual_offences", "child_abuse", "honour_based_violence",
            "forced_marriage", "fgm", "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "age_band", "gender_ethnicity", "victim_gender"]
    }) }}
    union all
    -- cps_conviction_rate
    {{ indicator_rows({
        "id": "cps_conviction_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__cps_finalisations",
        "numerator_cell": "cps_finalisations__convicted",
        "denominator_cell": "cps_finalisations",
        "categories": [
            "all", "domestic_abuse", "rape", "sexual_offences", "child_abuse", "honour_based_violence",
            "forced_marriage", "fgm", "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "age_band", "gender_ethnicity", "victim_gender"]
    }) }}
    union all
    -- cps_victim_issue_rate
    {{ indicator_rows({
        "id": "cps_victim_issue_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__cps_finalisations",
        "numerator_cell": "cps_finalisations__victim_issue",
        "denominator_cell": "cps_finalisations__unsuccessful",
        "categories": [
            "all", "domestic_abuse", "rape", "sexual_offences", "child_abuse", "honour_based_violence",
            "forced_marriage", "fgm", "stalking_harassment", "trafficking_exploitation"
        ],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "age_band", "gender_ethnicity", "victim_gender"]
    }) }}
    union all
    -- cps_recording_completeness
    {{ indicator_rows({
        "id": "cps_recording_completeness",
        "unit": "percent",
        "cells_model": "int_indicator_cells__cps_finalisations",
        "denominator_cell": "cps_finalisations",
        "categories": ["ethnicity", "age"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total"],
        "category_numerators": {
            "ethnicity": "cps_finalisations__ethnicity_recorded",
            "age": "cps_finalisations__age_recorded"
        },
        "from_category": "all"
    }) }}
    union all
    -- havens_attendances
    {{ indicator_rows({
        "id": "havens_attendances",
        "unit": "count",
        "cells_model": "int_indicator_cells__havens_attendances",
        "numerator_cell": "havens_attendances",
        "categories": ["all", "rape", "sexual_assault", "other"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "haven"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- havens_self_referral_rate
    {{ indicator_rows({
        "id": "havens_self_referral_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__havens_attendances",
        "numerator_cell": "havens_attendances__self_referred",
        "denominator_cell": "havens_attendances",
        "categories": ["all", "rape", "sexual_assault", "other"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "haven"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- havens_reported_to_police_rate
    {{ indicator_rows({
        "id": "havens_reported_to_police_rate",
        "unit": "percent",
        "cells_model": "int_indicator_cells__havens_attendances",
        "numerator_cell": "havens_attendances__reported_to_police",
        "denominator_cell": "havens_attendances__police_status_known",
        "categories": ["all", "rape", "sexual_assault", "other"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "haven"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]
    }) }}
    union all
    -- havens_recording_completeness
    {{ indicator_rows({
        "id": "havens_recording_completeness",
        "unit": "percent",
        "cells_model": "int_indicator_cells__havens_attendances",
        "denominator_cell": "havens_attendances",
        "categories": ["ethnicity", "disability", "sexuality"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "haven"],
        "breakdowns": ["total"],
        "category_numerators": {
            "ethnicity": "havens_attendances__ethnicity_recorded",
            "disability": "havens_attendances__disability_recorded",
            "sexuality": "havens_attendances__sexuality_recorded"
        },
        "from_category": "all"
    }) }}
    union all
    -- fmu_cases
    {{ indicator_rows({
        "id": "fmu_cases",
        "unit": "count",
        "cells_model": "int_indicator_cells__fmu_cases",
        "numerator_cell": "fmu_cases",
        "categories": ["all"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["uk", "uk_region"],
        "breakdowns": ["total", "gender", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- fmu_london_share
    {{ indicator_rows({
        "id": "fmu_london_share",
        "unit": "percent",
        "cells_model": "int_indicator_cells__fmu_cases",
        "numerator_cell": "fmu_cases__london",
        "denominator_cell": "fmu_cases",
        "categories": ["all"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["uk"],
        "breakdowns": ["total"]
    }) }}
    union all
    -- services_new_referrals
    {{ indicator_rows({
        "id": "services_new_referrals",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__new_referrals",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- services_clients_supported
    {{ indicator_rows({
        "id": "services_clients_supported",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__clients_supported",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["quarter"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- services_waiting_list (financial years)
    {{ indicator_rows({
        "id": "services_waiting_list",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__waiting_list_at_year_end",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- services_waiting_list
    {{ indicator_rows({
        "id": "services_waiting_list",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__waiting_list",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["quarter"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- services_declined_capacity
    {{ indicator_rows({
        "id": "services_declined_capacity",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__declined_capacity",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band"]
    }) }}
    union all
    -- services_returns_received
    {{ indicator_rows({
        "id": "services_returns_received",
        "unit": "count",
        "cells_model": "int_indicator_cells__service_returns",
        "numerator_cell": "services__returns_received",
        "categories": ["all", "rape_crisis", "isva", "idva", "refuge", "outreach", "helpline"],
        "period_types": ["quarter", "financial_year"],
        "geographies": ["london", "borough"],
        "breakdowns": ["total"]
    }) }}
)

select
    rows.*,
    periods.period,
    periods.period_end,
    geographies.geography_name
from rows
inner join {{ ref('dim_periods') }} as periods
    on rows.period_type = periods.period_type
    and rows.period_start = periods.period_start
inner join {{ ref('dim_geographies') }} as geographies
    on rows.geography_type = geographies.geography_type
    and rows.geography_code = geographies.geography_code
