-- One row per police crime record (current version) carrying a CPS URN, with whether the URN
-- matches any CPS finalisation and what the case's defendants' outcomes were.
select * from {{ ref('int_crime_cps_links') }}
