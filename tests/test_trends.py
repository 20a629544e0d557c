"""marts.indicator_trends (interfaces.md): change of the latest financial year that is not
provisional against the year before, and the recent trend over five such years, on a hand-made
grid whose answers are worked out below; then the table in the hand-made warehouse.

Formulas used by hand (z = 1.959963984540054):
  Wilson limits of r/n: (2r + z² ∓ z√(z² + 4r(1 − r/n))) / (2(n + z²)).
  Newcombe: d = p₁ − p₂, lower d − √((p₁ − l₁)² + (u₂ − p₂)²), upper d + √((u₁ − p₁)² + (p₂ − l₂)²).
  Trend (scores 1–5): U = Σxᵢtᵢ − p̄Σnᵢtᵢ, χ² = U² / (p̄(1 − p̄)(Σnᵢtᵢ² − (Σnᵢtᵢ)²/N)), p = erfc(√(χ²/2)).

Wilson limits used: 10/100 (5.52%, 17.44%); 15/100 (9.31%, 23.28%); 25/100 (17.55%, 34.30%);
30/100 (21.89%, 39.58%); 60/100 (50.20%, 69.06%); 0/20 (0, 16.11%);
19/100 (12.51%, 27.78%); 21/100 (14.17%, 29.98%).

A  police_charge_rate, all, London total: 2003/04 50/100; 2004/05 to 2008/09 10, 15, 20, 25, 30
   of 100; 2009/10 5/100 provisional (skipped); a quarter row (ignored).
   latest 2008/09 against 2007/08: d = 5 pp, lower 5 − √(8.11² + 9.30²) = −7.34,
   upper 5 + √(9.58² + 7.45²) = 17.14: contains 0, no_significant_change.
   Trend 2004/05–2008/09: N = 500, p̄ = 0.2, Σxt = 10 + 30 + 60 + 100 + 150 = 350, Σnt = 1500,
   U = 350 − 300 = 50; Σnt² = 5500, (Σnt)²/N = 4500; χ² = 2500 / (0.16 × 1000) = 15.625,
   p = erfc(√7.8125) = 7.7227e-05 < 0.05 with U > 0: increasing.
B  the same, category rape: 30, 25, 20, 15, 10 of 100, then 1/100 provisional: U = −50,
   χ² = 15.625: decreasing. 2008/09 (10) against 2007/08 (15): d = −5, lower −5 − √(4.48² + 8.28²)
   = −14.42, upper −5 + √(5.69² + 7.44²) = 4.37: no_significant_change.
C  cps_conviction_rate (never provisional), all, London: 2008/09 30/100, 2009/10 60/100: d = 30,
   lower 30 − √(9.80² + 9.58²) = 16.29, upper 30 + √(9.06² + 8.11²) = 42.16: increased.
   Two years only: trend not_calculated over 2008/09–2009/10.
D  cps_conviction_rate, rape: 60 then 30: d = −30 (−42.16, −16.29): decreased.
E  police_charge_rate, Hackney: 2004/05 to 2007/08 10/100, 2008/09 0/0: both not_calculated.
F  police_charge_rate, City of London: 0/20 five years: d = 0 (−16.11, 16.11),
   no_significant_change; p̄ = 0, nothing varies: no_significant_change, no p-value.
G  police_charge_rate, London, gender FEMALE: 20, 22, 18, 21, 19 of 100: Σxt = 297, U = −3,
   χ² = 9/160 = 0.05625, p = erfc(√0.028125) = 0.81252: no_significant_change.
   19 against 21: d = −2, lower −2 − √(6.49² + 8.98²) = −13.08, upper −2 + √(8.78² + 6.83²) = 9.13.
H  e2e_conviction_rate, London: 2009/10 only, provisional: no year to judge: not_calculated,
   periods blank.
I  police_charge_rate, Barking and Dagenham: 10/100 in 2003/04 and 2005/06 to 2008/09 (no
   2004/05): five years but not consecutive: trend not_calculated; change 0 (−8.68, 8.68).
J  police_recorded_crimes (a count): no row.
"""

import math

import duckdb
import pytest

from helpers import query
from pipelines.indicators.trends import COLUMNS, trends_relation

YEARS = {y: f"{y}/{(y + 1) % 100:02d}" for y in range(2003, 2010)}
LONDON = ("london", "E12000007")


def fy(indicator, category, geography, breakdown, value, counts, unit="percent", provisional=()):
    """Financial-year rows from {first year: (numerator, denominator)}."""
    return [
        (
            indicator,
            category,
            "financial_year",
            YEARS[y],
            f"{y}-04-01",
            *geography,
            breakdown,
            value,
            n,
            d,
            unit,
            "provisional" if y in provisional else None,
        )
        for y, (n, d) in counts.items()
    ]


def series(start, counts, denominator=100):
    return {start + k: (c, denominator) for k, c in enumerate(counts)}


ROWS = [
    *fy(
        "police_charge_rate",
        "all",
        LONDON,
        "total",
        "ALL",
        {2003: (50, 100), **series(2004, [10, 15, 20, 25, 30]), 2009: (5, 100)},
        provisional={2009},
    ),
    (
        "police_charge_rate",
        "all",
        "quarter",
        "2009/10 Q1",
        "2009-04-01",
        *LONDON,
        "total",
        "ALL",
        99,
        100,
        "percent",
        None,
    ),
    *fy(
        "police_charge_rate",
        "rape",
        LONDON,
        "total",
        "ALL",
        {**series(2004, [30, 25, 20, 15, 10]), 2009: (1, 100)},
        provisional={2009},
    ),
    *fy("cps_conviction_rate", "all", LONDON, "total", "ALL", series(2008, [30, 60])),
    *fy("cps_conviction_rate", "rape", LONDON, "total", "ALL", series(2008, [60, 30])),
    *fy(
        "police_charge_rate",
        "all",
        ("borough", "E09000012"),
        "total",
        "ALL",
        {**series(2004, [10, 10, 10, 10]), 2008: (0, 0)},
    ),
    *fy("police_charge_rate", "all", ("borough", "E09000001"), "total", "ALL", series(2004, [0] * 5, 20)),
    *fy("police_charge_rate", "all", LONDON, "gender", "FEMALE", series(2004, [20, 22, 18, 21, 19])),
    *fy("e2e_conviction_rate", "all", LONDON, "total", "ALL", {2009: (3, 10)}, provisional={2009}),
    *fy(
        "police_charge_rate",
        "all",
        ("borough", "E09000002"),
        "total",
        "ALL",
        {2003: (10, 100), **series(2005, [10] * 4)},
    ),
    *fy("police_recorded_crimes", "all", LONDON, "total", "ALL", {2008: (30, None), 2009: (60, None)}, unit="count"),
]


@pytest.fixture(scope="module")
def trends():
    con = duckdb.connect()
    con.execute("""create table indicators (indicator_id varchar, category varchar, period_type varchar, period varchar,
        period_start date, geography_type varchar, geography_code varchar, breakdown varchar, breakdown_value varchar,
        numerator double, denominator double, unit varchar, note varchar)""")
    con.executemany("insert into indicators values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    rel = trends_relation(con, con.table("indicators"))
    assert rel.columns == COLUMNS
    return {(r[0], r[1], r[3], r[5]): dict(zip(COLUMNS, r)) for r in rel.fetchall()}


def judged(row):
    def pp(x):
        return None if x is None else round(x, 2)

    return (
        row["latest_period"],
        row["previous_period"],
        row["change"],
        pp(row["change_estimate"]),
        pp(row["change_ci_lower"]),
        pp(row["change_ci_upper"]),
        row["trend_first_period"],
        row["trend_last_period"],
        row["recent_trend"],
    )


def p_value(row):
    return row["trend_p_value"]


def test_one_row_per_percent_series(trends):
    assert set(trends) == {
        ("police_charge_rate", "all", "E12000007", "ALL"),
        ("police_charge_rate", "rape", "E12000007", "ALL"),
        ("cps_conviction_rate", "all", "E12000007", "ALL"),
        ("cps_conviction_rate", "rape", "E12000007", "ALL"),
        ("police_charge_rate", "all", "E09000012", "ALL"),
        ("police_charge_rate", "all", "E09000001", "ALL"),
        ("police_charge_rate", "all", "E12000007", "FEMALE"),
        ("e2e_conviction_rate", "all", "E12000007", "ALL"),
        ("police_charge_rate", "all", "E09000002", "ALL"),
    }


def test_judgements_worked_by_hand(trends):
    t = trends
    assert judged(t["police_charge_rate", "all", "E12000007", "ALL"]) == (
        "2008/09",
        "2007/08",
        "no_significant_change",
        5.0,
        -7.34,
        17.14,
        "2004/05",
        "2008/09",
        "increasing",
    )
    assert judged(t["police_charge_rate", "rape", "E12000007", "ALL"]) == (
        "2008/09",
        "2007/08",
        "no_significant_change",
        -5.0,
        -14.42,
        4.37,
        "2004/05",
        "2008/09",
        "decreasing",
    )
    assert judged(t["cps_conviction_rate", "all", "E12000007", "ALL"]) == (
        "2009/10",
        "2008/09",
        "increased",
        30.0,
        16.29,
        42.16,
        "2008/09",
        "2009/10",
        "not_calculated",
    )
    assert judged(t["cps_conviction_rate", "rape", "E12000007", "ALL"]) == (
        "2009/10",
        "2008/09",
        "decreased",
        -30.0,
        -42.16,
        -16.29,
        "2008/09",
        "2009/10",
        "not_calculated",
    )
    assert judged(t["police_charge_rate", "all", "E09000012", "ALL"]) == (
        "2008/09",
        "2007/08",
        "not_calculated",
        None,
        None,
        None,
        "2004/05",
        "2008/09",
        "not_calculated",
    )
    assert judged(t["police_charge_rate", "all", "E09000001", "ALL"]) == (
        "2008/09",
        "2007/08",
        "no_significant_change",
        0.0,
        -16.11,
        16.11,
        "2004/05",
        "2008/09",
        "no_significant_change",
    )
    assert judged(t["police_charge_rate", "all", "E12000007", "FEMALE"]) == (
        "2008/09",
        "2007/08",
        "no_significant_change",
        -2.0,
        -13.08,
        9.13,
        "2004/05",
        "2008/09",
        "no_significant_change",
    )
    assert judged(t["e2e_conviction_rate", "all", "E12000007", "ALL"]) == (
        None,
        None,
        "not_calculated",
        None,
        None,
        None,
        None,
        None,
        "not_calculated",
    )
    assert judged(t["police_charge_rate", "all", "E09000002", "ALL"]) == (
        "2008/09",
        "2007/08",
        "no_significant_change",
        0.0,
        -8.68,
        8.68,
        "2003/04",
        "2008/09",
        "not_calculated",
    )


def test_trend_p_values_worked_by_hand(trends):
    t = trends
    assert p_value(t["police_charge_rate", "all", "E12000007", "ALL"]) == pytest.approx(
        math.erfc(math.sqrt(15.625 / 2))
    )
    assert p_value(t["police_charge_rate", "all", "E12000007", "ALL"]) == pytest.approx(7.7227e-05, rel=1e-4)
    assert p_value(t["police_charge_rate", "rape", "E12000007", "ALL"]) == pytest.approx(7.7227e-05, rel=1e-4)
    assert p_value(t["police_charge_rate", "all", "E12000007", "FEMALE"]) == pytest.approx(0.81252, abs=1e-5)
    for key in [
        ("cps_conviction_rate", "all", "E12000007", "ALL"),
        ("police_charge_rate", "all", "E09000012", "ALL"),
        ("police_charge_rate", "all", "E09000001", "ALL"),
        ("e2e_conviction_rate", "all", "E12000007", "ALL"),
        ("police_charge_rate", "all", "E09000002", "ALL"),
    ]:
        assert p_value(t[key]) is None, key


def test_the_warehouse_has_the_table(handmade):
    """The hand-made warehouse holds one financial year (2009/10): nothing to compare, every series
    `not_calculated`; the police outcome and end-to-end rates have no year that is not provisional."""
    paths, _ = handmade
    got = query(
        paths,
        """select indicator_id, count(*) as series, count(latest_period) as with_latest,
                              count(*) filter (where change <> 'not_calculated' or recent_trend <> 'not_calculated')
                                  as judged
                          from marts.indicator_trends group by indicator_id""",
    )
    rows = {r[0]: r[1:] for r in got.rows()}
    series = query(
        paths,
        """select indicator_id, count(*) from (select distinct indicator_id, category, geography_type,
                                 geography_code, breakdown, breakdown_value from marts.indicators
                                 where unit = 'percent' and period_type = 'financial_year') group by all""",
    )
    assert {k: v[0] for k, v in rows.items()} == dict(series.rows())
    assert all(judged == 0 for _, _, judged in rows.values())
    assert rows["police_charge_rate"][1] == rows["e2e_conviction_rate"][1] == 0
    assert rows["cps_conviction_rate"][1] == rows["cps_conviction_rate"][0]
