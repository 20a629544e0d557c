-- One row per Forced Marriage Unit case (UK-wide) with its region's ONS code and the
-- victim's characteristics harmonised; `category` is `all` (the FMU has one category).
select
    'all' as category,
    cases.*,
    coalesce(regions.geography_code, 'UNKNOWN') as uk_region_code,
    coalesce(cases.gender_code, 'UNKNOWN') as victim_gender_code,
    coalesce(cases.fmu_age_band, 'UNKNOWN') as victim_age_band,
    coalesce(cases.disability_code, 'UNKNOWN') as victim_disability_status_code,
    case cases.lgbt_code when 'YES' then 'LGBT' when 'NO' then 'NOT_LGBT' else 'UNKNOWN' end as victim_sexuality_group_code
from {{ ref('stg_fmu__cases') }} as cases
left join {{ ref('uk_regions') }} as regions on cases.uk_region_label_code = regions.uk_region_label_code
