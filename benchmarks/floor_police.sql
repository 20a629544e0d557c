-- The floor: the police recorded-crime, no-crime, withdrawal and charge indicators for every
-- breakdown, computed straight from the police CSVs by one plain DuckDB script (no
-- validation, no audit, no publication). benchmarks/run.py times it and reports the
-- pipeline's time for the same work as a multiple of it.
-- Variables: landing (the landing folder), seeds (the project's seeds folder).

-- The exports' mess: headings in any case, codes in any case with stray spaces, several date forms.
create or replace macro clean(x) as nullif(upper(trim(x)), '');
create or replace macro as_timestamp(x) as
    try_strptime(trim(x), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d', '%d/%m/%Y', '%d/%m/%Y %H:%M', '%Y-%m-%dT%H:%M',
                           '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S%z']);
create or replace macro as_date(x) as as_timestamp(x)::date;

create or replace temp table records as
select *
from read_csv(getvariable('landing') || '/mps_crimes/*.csv', header = true, all_varchar = true,
              union_by_name = true, normalize_names = true, filename = true)
qualify row_number() over (
    partition by trim(crime_ref)
    order by as_timestamp(last_modified) desc, filename desc) = 1;

create or replace temp table harmonised as
with sde as (select * from read_csv(getvariable('seeds') || '/ethnicity_sde_codes.csv')),
     ic as (select * from read_csv(getvariable('seeds') || '/ethnicity_identity_codes.csv')),
     bands as (select * from read_csv(getvariable('seeds') || '/age_bands.csv')),
     strands as (select * from read_csv(getvariable('seeds') || '/offence_strands.csv', all_varchar = true))
select
    r.crime_ref,
    clean(r.classification) as classification,
    clean(r.borough_code) as borough_code,
    as_date(r.recorded_date) as recorded_date,
    strands.strand,
    clean(r.flag_domestic) = 'Y' as is_domestic,
    clean(r.flag_honour) = 'Y' as is_honour,
    clean(r.flag_forced_marriage) = 'Y' as is_forced_marriage,
    clean(r.flag_fgm) = 'Y' as is_fgm,
    clean(r.outcome_type) as outcome_type,
    case clean(r.victim_sex) when 'F' then 'FEMALE' when 'M' then 'MALE' else 'UNKNOWN' end as gender,
    coalesce(case when sde.ethnic_group <> 'UNKNOWN' then sde.ethnic_group end, ic.ethnic_group, 'UNKNOWN') as ethnicity,
    case clean(r.victim_disability) when 'Y' then 'YES' when 'N' then 'NO' else 'UNKNOWN' end as disability,
    case clean(r.victim_sexuality) when 'HET' then 'HETEROSEXUAL' when 'GAY' then 'GAY_LESBIAN'
         when 'BI' then 'BISEXUAL' when 'OTH' then 'OTHER' else 'UNKNOWN' end as sexuality,
    coalesce(bands.age_band, 'UNKNOWN') as age_band
from records as r
left join strands on strands.ho_offence_code = clean(r.ho_offence_code)
left join sde on sde.sde_code = clean(r.victim_sde)
left join ic on ic.ic_code = clean(r.victim_ic)
left join bands on try_cast(trim(r.victim_age) as integer) between bands.min_age and bands.max_age;

create or replace temp table categorised as
select 'all' as category, * from harmonised
union all select strand, * from harmonised where strand is not null
union all select 'domestic_abuse', * from harmonised where is_domestic
union all select 'honour_based_violence', * from harmonised where is_honour
union all select 'forced_marriage', * from harmonised where is_forced_marriage
union all select 'fgm', * from harmonised where is_fgm;

create or replace temp table periods as
select *,
    date_trunc('quarter', recorded_date) as quarter_start,
    make_date(year(recorded_date - interval 3 month)::integer, 4, 1) as financial_year_start
from categorised;

create or replace temp table cells as
with by_period as (
    select 'quarter' as period_type, quarter_start as period_start, * from periods
    union all
    select 'financial_year', financial_year_start, * from periods
),
by_geography as (
    select 'london' as geography_type, 'E12000007' as geography_code, * from by_period
    union all
    select 'borough', borough_code, * from by_period
),
long as (
    select *, unnest(['total', 'gender', 'ethnicity', 'gender_ethnicity', 'disability', 'sexuality', 'age_band']) as breakdown,
        unnest(['ALL', gender, ethnicity, gender || '_' || ethnicity, disability, sexuality, age_band]) as breakdown_value
    from by_geography
)
select category, period_type, period_start, geography_type, geography_code, breakdown, breakdown_value,
    count(*) filter (where classification = 'CRIME') as recorded_crimes,
    count(*) filter (where classification in ('CRIME', 'NO_CRIME')) as all_records,
    count(*) filter (where classification = 'NO_CRIME') as no_crimed,
    count(*) filter (where classification = 'CRIME' and outcome_type in ('14', '16')) as withdrawn,
    count(*) filter (where classification = 'CRIME' and outcome_type = '1') as charged
from long
group by all;

-- Wilson score limits written out (z = 1.959963984540054).
create or replace macro wilson_lower(r, n) as
    case when n > 0 then greatest(0, 100 * (2 * r + 3.841458820694124
        - 1.959963984540054 * sqrt(3.841458820694124 + 4 * r * (1 - r / n))) / (2 * (n + 3.841458820694124))) end;
create or replace macro wilson_upper(r, n) as
    case when n > 0 then least(100, 100 * (2 * r + 3.841458820694124
        + 1.959963984540054 * sqrt(3.841458820694124 + 4 * r * (1 - r / n))) / (2 * (n + 3.841458820694124))) end;

create or replace temp table floor_indicators as
select 'police_recorded_crimes' as indicator_id, * exclude (recorded_crimes, all_records, no_crimed, withdrawn, charged),
    recorded_crimes as numerator, null::bigint as denominator, recorded_crimes::double as value,
    null::double as ci_lower, null::double as ci_upper
from cells
union all
select 'police_no_crime_rate', * exclude (recorded_crimes, all_records, no_crimed, withdrawn, charged),
    no_crimed, all_records, 100.0 * no_crimed / nullif(all_records, 0),
    wilson_lower(no_crimed, all_records), wilson_upper(no_crimed, all_records)
from cells
union all
select 'police_withdrawal_rate', * exclude (recorded_crimes, all_records, no_crimed, withdrawn, charged),
    withdrawn, recorded_crimes, 100.0 * withdrawn / nullif(recorded_crimes, 0),
    wilson_lower(withdrawn, recorded_crimes), wilson_upper(withdrawn, recorded_crimes)
from cells
union all
select 'police_charge_rate', * exclude (recorded_crimes, all_records, no_crimed, withdrawn, charged),
    charged, recorded_crimes, 100.0 * charged / nullif(recorded_crimes, 0),
    wilson_lower(charged, recorded_crimes), wilson_upper(charged, recorded_crimes)
from cells;
