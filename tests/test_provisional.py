"""The note `provisional` (indicators.md, "Provisional outcomes" and "End to end"): exactly the
periods that end less than `provisional_quarters` before the data's as-at date, for exactly the
indicators that declare it in indicators.yml.

A hand-made grid: every indicator of indicators.yml, London total, category `all` (or its first
category), every quarter and financial year from 2007/08 to 2009/10, 5 of 10 in each. Worked by
hand with the rule "period_end + N quarters > as-at":

  as-at 2010-03-31 (a quarter's last day)
    four quarters (no-crime, withdrawal, charge, outcome pending): 2009-03-31 + 12 months =
      2010-03-31 is not after the as-at date, so 2008/09 Q4 and FY 2008/09 are final; 2009/10
      Q1 (ends 2009-06-30 -> 2010-06-30) to Q4 and FY 2009/10 are provisional.
    eight quarters (end to end): 2008-03-31 + 24 months = 2010-03-31: 2007/08 is final;
      2008/09 Q1 to 2009/10 Q4 and FYs 2008/09 and 2009/10 are provisional.
  as-at 2010-03-30 (one day earlier): the periods ending 2009-03-31 (four quarters) and
      2008-03-31 (eight quarters) end less than that before it, so they become provisional too.
"""

import datetime as dt

import duckdb
import pytest

from pipelines.indicators.compute import indicators_relation
from pipelines.indicators.spec import load_spec

POLICE_OUTCOMES = {
    "police_no_crime_rate",
    "police_withdrawal_rate",
    "police_charge_rate",
    "police_outcome_pending_rate",
}
END_TO_END = {"e2e_prosecuted_rate", "e2e_conviction_rate", "e2e_link_rate"}
QUARTERS = [f"{y}/{(y + 1) % 100:02d} Q{q}" for y in (2007, 2008, 2009) for q in (1, 2, 3, 4)]
YEARS = ["2007/08", "2008/09", "2009/10"]


def quarters_from(first: str) -> set[str]:
    return set(QUARTERS[QUARTERS.index(first) :])


def provisional_rows(as_at: dt.date) -> set[tuple[str, str]]:
    spec = load_spec()
    con = duckdb.connect()
    con.execute("create table ids(indicator_id varchar, category varchar, unit varchar)")
    con.executemany("insert into ids values (?, ?, ?)", [(i.id, i.categories[0], i.unit) for i in spec.indicators])
    values = con.sql("""
        with periods as (
            select 'quarter' as period_type, q::date as period_start,
                (q + interval 3 month - interval 1 day)::date as period_end,
                (year(q) - (month(q) < 4)::int) || '/' || lpad(((year(q) - (month(q) < 4)::int + 1) % 100)::varchar, 2, '0')
                    || ' Q' || ((month(q) + 8) % 12 // 3 + 1) as period
            from range(date '2007-04-01', date '2010-04-01', interval 3 month) as t(q)
            union all
            select 'financial_year', y::date, (y + interval 12 month - interval 1 day)::date,
                year(y) || '/' || lpad(((year(y) + 1) % 100)::varchar, 2, '0')
            from range(date '2007-04-01', date '2010-04-01', interval 12 month) as t(y)
        )
        select ids.indicator_id, ids.category, p.period_type, p.period_start, 'london' as geography_type,
            'E12000007' as geography_code, 'total' as breakdown, 'ALL' as breakdown_value,
            5.0 as numerator, case when ids.unit = 'count' then null else 10.0 end as denominator,
            case when ids.unit = 'ratio' then 1000.0 end as numerator_population,
            case when ids.unit = 'ratio' then 1000.0 end as denominator_population,
            p.period, p.period_end, 'London' as geography_name
        from ids cross join periods as p""")
    result = indicators_relation(con, values, as_at=as_at, spec=spec)
    note, indicator, period = (result.columns.index(c) for c in ("note", "indicator_id", "period"))
    rows = result.fetchall()
    assert len(rows) == len(spec.indicators) * (len(QUARTERS) + len(YEARS))
    assert {r[note] for r in rows} <= {None, "provisional"}
    return {(r[indicator], r[period]) for r in rows if r[note] == "provisional"}


def expected(four_quarters: set[str], eight_quarters: set[str]) -> set[tuple[str, str]]:
    return {(i, p) for i in POLICE_OUTCOMES for p in four_quarters} | {
        (i, p) for i in END_TO_END for p in eight_quarters
    }


@pytest.mark.parametrize(
    "as_at,four_quarters,eight_quarters",
    [
        (
            dt.date(2010, 3, 31),
            quarters_from("2009/10 Q1") | {"2009/10"},
            quarters_from("2008/09 Q1") | {"2008/09", "2009/10"},
        ),
        (
            dt.date(2010, 3, 30),
            quarters_from("2008/09 Q4") | {"2008/09", "2009/10"},
            quarters_from("2007/08 Q4") | {"2007/08", "2008/09", "2009/10"},
        ),
    ],
    ids=["on-a-quarter-end", "one-day-before"],
)
def test_provisional_exactly_on_recent_periods_of_the_declaring_indicators(as_at, four_quarters, eight_quarters):
    assert provisional_rows(as_at) == expected(four_quarters, eight_quarters)


def test_the_rule_is_declared_in_indicators_yml():
    declared = {i.id: i.provisional_quarters for i in load_spec().indicators if i.provisional_quarters}
    assert declared == {**dict.fromkeys(POLICE_OUTCOMES, 4), **dict.fromkeys(END_TO_END, 8)}
