"""Which comparator each indicator row is compared with (indicators.md, "Statistics",
`comparison`, first rule that applies), through pipelines.indicators.compute on a hand-made
int_indicator_values: a ratio with 1; a breakdown with its own geography's total; a borough or
Haven total with London; a UK region total with the UK; London and UK totals, counts and
changes not compared; nothing compared with a blank comparator."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from pipelines.indicators.compute import indicators_relation

FY = ("financial_year", "2011/12", dt.date(2011, 4, 1), dt.date(2012, 3, 31))
RATE, RRI, COUNT, CHANGE = ("police_withdrawal_rate", "police_victimisation_rri", "police_recorded_crimes",
                            "police_recorded_crimes_change")  # fmt: skip  # continued lines aligned under the opening bracket


def _row(indicator, geography, breakdown, numerator, denominator, numerator_population=None,
         denominator_population=None):  # fmt: skip  # continued lines aligned under the opening bracket
    geography_type, geography_code = geography
    value = "total" if breakdown == "total" else breakdown
    return {"indicator_id": indicator, "category": "all", "period_type": FY[0], "period": FY[1],
            "period_start": FY[2], "period_end": FY[3], "geography_type": geography_type,
            "geography_code": geography_code, "geography_name": geography_code,
            "breakdown": "total" if breakdown == "total" else "ethnicity",
            "breakdown_value": "ALL" if value == "total" else value, "numerator": numerator,
            "denominator": denominator, "numerator_population": numerator_population,
            "denominator_population": denominator_population}  # fmt: skip  # continued lines aligned under the opening bracket


LONDON, UK = ("london", "E12000007"), ("uk", "K02000001")
CAMDEN, BARNET = ("borough", "E09000007"), ("borough", "E09000003")
HAVEN, SOUTH_EAST = ("haven", "PADDINGTON"), ("uk_region", "E12000008")

# Values are percentages; Wilson 95% limits (z = 1.959963984540054) worked out with the formula
# (2n + z² ∓ z√(z² + 4n(1 − p))) / (2(d + z²)):
ROWS = [
    # London total 200/1000 = 20.0 [17.64, 22.59]: a London total is not compared.
    (_row(RATE, LONDON, "total", 200, 1000), "not_compared"),
    # London's BLACK 60/200 = 30.0 [24.07, 36.68], against London's total 20.0 (below 24.07): higher.
    (_row(RATE, LONDON, "BLACK", 60, 200), "higher"),
    # Camden total 10/100 = 10.0 [5.52, 17.44], against London 20.0 (above 17.44): lower.
    (_row(RATE, CAMDEN, "total", 10, 100), "lower"),
    # Camden's BLACK 15/50 = 30.0 [19.10, 43.75], against Camden's total 10.0: higher (against
    # London's 20.0 it would be similar).
    (_row(RATE, CAMDEN, "BLACK", 15, 50), "higher"),
    # A Haven total 40/100 = 40.0 [30.94, 49.80], against London 20.0: higher.
    (_row(RATE, HAVEN, "total", 40, 100), "higher"),
    # UK total 300/1000 = 30.0 [27.24, 32.91]: a UK total is not compared.
    (_row(RATE, UK, "total", 300, 1000), "not_compared"),
    # South East total 20/100 = 20.0 [13.34, 28.88], against the UK's 30.0: lower (against
    # London's 20.0 it would be similar).
    (_row(RATE, SOUTH_EAST, "total", 20, 100), "lower"),
    # Barnet's total has no value (denominator 0), so its BLACK 5/20 = 25.0 [11.19, 46.87] has
    # no comparator: not compared; the total itself has no limits: not compared.
    (_row(RATE, BARNET, "total", 0, 0), "not_compared"),
    (_row(RATE, BARNET, "BLACK", 5, 20), "not_compared"),
    # A ratio with 1, not with a total: BLACK 60 of 1,000 against WHITE 100 of 4,000 =
    # 0.06 / 0.025 = 2.4, limits exp(ln 2.4 ∓ z√(1/60 + 1/100)) = [1.74, 3.31]: higher.
    (_row(RRI, LONDON, "BLACK", 60, 100, 1000, 4000), "higher"),
    # Counts and changes have no limits: not compared, even in a borough under London's.
    (_row(COUNT, LONDON, "total", 900, None), "not_compared"),
    (_row(COUNT, CAMDEN, "total", 50, None), "not_compared"),
    (_row(CHANGE, CAMDEN, "total", 5, 45), "not_compared"),
]


def test_each_row_is_compared_with_its_comparator():
    frame = pl.DataFrame([row for row, _ in ROWS], schema_overrides={
        "numerator": pl.Int64, "denominator": pl.Int64, "numerator_population": pl.Int64,
        "denominator_population": pl.Int64})  # fmt: skip  # continued lines aligned under the opening bracket
    with duckdb.connect() as con:
        con.register("hand_made_values", frame.to_arrow())
        got = indicators_relation(con, con.sql("select * from hand_made_values")).pl()
    key = ["indicator_id", "geography_code", "breakdown_value"]
    got = {tuple(r[k] for k in key): (r["comparison"], r["value"]) for r in got.iter_rows(named=True)}
    want = {tuple(row[k] for k in key): comparison for row, comparison in ROWS}
    assert len(got) == len(ROWS)
    assert {k: v[0] for k, v in got.items()} == want
    assert got[(RATE, "E09000007", "BLACK")][1] == 30.0 and round(got[(RRI, "E12000007", "BLACK")][1], 6) == 2.4
    assert got[(CHANGE, "E09000007", "ALL")][1] == 100 * 5 / 45
