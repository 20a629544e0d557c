-- Generated from indicators.yml by pipelines/indicators/codegen.py: do not edit.
-- One row per indicator x category x period x geography x breakdown value: numerator, denominator and populations, before statistics.
with rows as (
-- police_recorded_crimes
{{ indicator_rows({"id": "police_recorded_crimes", "unit": "count", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_recorded_crimes_change
{{ indicator_rows({"id": "police_recorded_crimes_change", "unit": "percent_change", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total"]}) }}
union all
-- police_records_total
{{ indicator_rows({"id": "police_records_total", "unit": "count", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_crimes_and_incidents", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_no_crime_rate
{{ indicator_rows({"id": "police_no_crime_rate", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_all_records__no_crimed", "denominator_cell": "police_all_records", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_withdrawal_rate
{{ indicator_rows({"id": "police_withdrawal_rate", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort__withdrawn", "denominator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_charge_rate
{{ indicator_rows({"id": "police_charge_rate", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort__charged", "denominator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_outcome_pending_rate
{{ indicator_rows({"id": "police_outcome_pending_rate", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort__pending", "denominator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_multiple_perpetrator_rapes
{{ indicator_rows({"id": "police_multiple_perpetrator_rapes", "unit": "count", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort__multiple_perpetrator", "categories": ["rape"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "gender", "ethnicity", "disability", "sexuality", "age_band", "gender_ethnicity"]}) }}
union all
-- police_timely_recording_rate
{{ indicator_rows({"id": "police_timely_recording_rate", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_all_records__timely", "denominator_cell": "police_all_records", "categories": ["rape", "other_sexual_offences"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total"]}) }}
union all
-- police_victimisation_rate
{{ indicator_rows({"id": "police_victimisation_rate", "unit": "per_1000", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total", "ethnicity"]}) }}
union all
-- police_victimisation_rri
{{ indicator_rows({"id": "police_victimisation_rri", "unit": "ratio", "cells_model": "int_indicator_cells__mps_crimes", "numerator_cell": "police_cohort", "categories": ["all", "domestic_abuse", "honour_based_violence", "forced_marriage", "fgm", "rape", "other_sexual_offences", "stalking_harassment", "trafficking_exploitation"], "period_types": ["financial_year"], "geographies": ["london", "borough"], "breakdowns": ["ethnicity"], "breakdown_values": ["MIXED", "ASIAN", "BLACK", "OTHER"], "reference_value": "WHITE"}) }}
union all
-- police_recording_completeness
{{ indicator_rows({"id": "police_recording_completeness", "unit": "percent", "cells_model": "int_indicator_cells__mps_crimes", "denominator_cell": "police_cohort", "categories": ["ethnicity", "disability", "sexuality", "age"], "period_types": ["quarter", "financial_year"], "geographies": ["london", "borough"], "breakdowns": ["total"], "category_numerators": {"ethnicity": "police_cohort__ethnicity_recorded", "disability": "police_cohort__disability_recorded", "sexuality": "police_cohort__sexuality_recorded", "age": "police_cohort__age_recorded"}, "from_category": "all"}) }}
)

select
    rows.*,
    periods.period,
    periods.period_end,
    geographies.geography_name
from rows
inner join {{ ref('dim_periods') }} as periods
    on rows.period_type = periods.period_type and rows.period_start = periods.period_start
inner join {{ ref('dim_geographies') }} as geographies
    on rows.geography_type = geographies.geography_type and rows.geography_code = geographies.geography_code
