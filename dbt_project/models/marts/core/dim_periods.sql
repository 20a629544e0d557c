-- One row per published period (quarter or financial year) of any source, with its labels.
select distinct
    period_type,
    period_start,
    case period_type
        when 'quarter' then (period_start + interval 3 month - interval 1 day)::date
        else (period_start + interval 12 month - interval 1 day)::date
    end as period_end,
    year(period_start) - (month(period_start) < 4)::int as financial_year_start,
    financial_year_start || '/' || lpad(((financial_year_start + 1) % 100)::varchar, 2, '0') as financial_year,
    case period_type
        when 'quarter' then financial_year || ' Q' || ((month(period_start) + 8) % 12 // 3 + 1)
        else financial_year
    end as period
from {{ ref('int_published_periods') }}
