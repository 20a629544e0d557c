-- One row per geography (borough, London) and ethnic group (ALL for everyone): Census 2011
-- usual residents. London is the 32 MPS boroughs: the City of London has its own police force.
with boroughs as (
    select census.borough_code, census.ethnic_group, census.population, boroughs.is_mps_borough
    from {{ ref('census2011_population_by_borough_ethnic_group') }} as census
    inner join {{ ref('boroughs') }} as boroughs on census.borough_code = boroughs.borough_code
)

select 'borough' as geography_type, borough_code as geography_code, ethnic_group, population
from boroughs
union all
select 'london', 'E12000007', ethnic_group, sum(population)
from boroughs
where is_mps_borough
group by ethnic_group
