"""Tests of the exact bytes of the Panel's published files (pipelines.publish.dataset_format)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.publish import dataset_format as f

D = dt.date
NAN = float("nan")
Q1 = ("quarter", "2011/12 Q1", D(2011, 4, 1), D(2011, 6, 30))
FY = ("financial_year", "2011/12", D(2011, 4, 1), D(2012, 3, 31))
LONDON = ("london", "E12000007", "London")
BARKING = ("borough", "E09000002", "Barking and Dagenham")
CAMBERWELL = ("haven", "CAMBERWELL", "The Havens, Camberwell")  # a name with a comma

# id, name, category, *period, *geography, breakdown, value, numerator, denominator, value, unit,
# ci_lower, ci_upper, comparison, suppressed, note; deliberately not in published order.
ROWS = [
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape",
     "quarter", "2011/12 Q2", D(2011, 7, 1), D(2011, 9, 30), *LONDON, "total", "ALL",
     249, 2000, 12.45, "percent", 11.0500000000001, 13.95, "not_compared", False, None),
    # percent with a zero denominator: numerator 0, denominator 0, value blank (NaN from statistics)
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape", *Q1, *LONDON, "age_band", "16-17",
     0, 0, NAN, "percent", NAN, NAN, "not_compared", False, None),
    ("police_withdrawal_rate", "Victim withdrawal rate", "rape", *Q1, *LONDON, "age_band", "0-15",
     None, None, None, "percent", None, None, None, True, "small number"),
    ("police_recorded_crimes", "Recorded crimes", "all", *FY, *LONDON, "total", "ALL",
     51234, None, 51234, "count", None, None, "not_compared", False, None),
    ("police_recorded_crimes_change", 'Change in "recorded crimes", year on year', "all", *FY, *LONDON,
     "total", "ALL", -1, 2000, -0.05, "percent_change", None, None, "not_compared", False, None),
    ("police_victimisation_rate", "Victimisation rate per 1,000", "all", *FY, *BARKING, "ethnicity", "BLACK",
     170, 50000, 3.4, "per_1000", 2.675, 4.005, "higher", False, None),
    ("police_victimisation_rri", "Relative rate index", "all", *FY, *BARKING, "ethnicity", "BLACK",
     170, 150, 1.25, "ratio", 1.125, 1.4, "higher", False, None),
    ("havens_attendances", "Havens attendances", "all", *Q1, *CAMBERWELL, "total", "ALL",
     41, None, 41, "count", None, None, "not_compared", False, "line one\nline two"),
    ("havens_attendances", "Havens attendances", "all", *Q1, *CAMBERWELL, "gender", "FEMALE",
     38, None, 38, "count", None, None, "", False, ""),
]  # fmt: skip  # one row per line, as a table

EXPECTED_CSV = """\
indicator_id,indicator_name,category,period_type,period,period_start,period_end,geography_type,geography_code,geography_name,breakdown,breakdown_value,numerator,denominator,value,unit,ci_lower,ci_upper,comparison,suppressed,note
havens_attendances,Havens attendances,all,quarter,2011/12 Q1,2011-04-01,2011-06-30,haven,CAMBERWELL,"The Havens, Camberwell",gender,FEMALE,38,,38,count,,,,false,
havens_attendances,Havens attendances,all,quarter,2011/12 Q1,2011-04-01,2011-06-30,haven,CAMBERWELL,"The Havens, Camberwell",total,ALL,41,,41,count,,,not_compared,false,"line one
line two"
police_recorded_crimes,Recorded crimes,all,financial_year,2011/12,2011-04-01,2012-03-31,london,E12000007,London,total,ALL,51234,,51234,count,,,not_compared,false,
police_recorded_crimes_change,"Change in ""recorded crimes"", year on year",all,financial_year,2011/12,2011-04-01,2012-03-31,london,E12000007,London,total,ALL,-1,2000,-0.1,percent_change,,,not_compared,false,
police_victimisation_rate,"Victimisation rate per 1,000",all,financial_year,2011/12,2011-04-01,2012-03-31,borough,E09000002,Barking and Dagenham,ethnicity,BLACK,170,50000,3.40,per_1000,2.68,4.01,higher,false,
police_victimisation_rri,Relative rate index,all,financial_year,2011/12,2011-04-01,2012-03-31,borough,E09000002,Barking and Dagenham,ethnicity,BLACK,170,150,1.25,ratio,1.13,1.40,higher,false,
police_withdrawal_rate,Victim withdrawal rate,rape,quarter,2011/12 Q1,2011-04-01,2011-06-30,london,E12000007,London,age_band,0-15,,,,percent,,,,true,small number
police_withdrawal_rate,Victim withdrawal rate,rape,quarter,2011/12 Q1,2011-04-01,2011-06-30,london,E12000007,London,age_band,16-17,0,0,,percent,,,not_compared,false,
police_withdrawal_rate,Victim withdrawal rate,rape,quarter,2011/12 Q2,2011-07-01,2011-09-30,london,E12000007,London,total,ALL,249,2000,12.5,percent,11.1,14.0,not_compared,false,
"""


def frame(rows=ROWS) -> pl.DataFrame:
    """The rows as the indicator step would hand them over: counts and statistics as Float64."""
    data = dict(zip(f.COLUMNS, map(list, zip(*rows))))
    schema = {c: pl.Float64 for c in f.COUNT_COLUMNS + f.STAT_COLUMNS} | {c: pl.Date for c in f.DATE_COLUMNS}
    return pl.DataFrame(data, schema_overrides=schema | {"suppressed": pl.Boolean, "note": pl.String})


def test_csv_text_is_exactly_as_published():
    assert f.csv_text(frame()) == EXPECTED_CSV


def test_csv_file_bytes(tmp_path):
    path = tmp_path / "indicators.csv"
    f.write_indicators_csv(frame(), path)
    data = path.read_bytes()
    assert data == EXPECTED_CSV.encode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.endswith(b"\n")
    assert [p.name for p in tmp_path.iterdir()] == ["indicators.csv"]  # no temporary left


def test_same_data_same_bytes_whatever_the_input_order_and_types():
    shuffled = frame(list(reversed(ROWS))).sample(fraction=1.0, shuffle=True, seed=7)
    assert f.csv_text(shuffled) == EXPECTED_CSV
    # Already rounded input (idempotent), ISO date strings, Int64 counts, Categorical text.
    other = f.round_for_publication(frame()).with_columns(
        pl.col(f.DATE_COLUMNS).dt.strftime("%Y-%m-%d"),
        pl.col("geography_type").cast(pl.Categorical),
    )
    assert other.schema["numerator"] == pl.Int64
    assert f.csv_text(other) == EXPECTED_CSV


def test_rows_sorted_in_byte_order_not_locale():
    values = ["b", "B", "é", "e", "_", "-", "Z", "a_b", "a-b", "ab", "FEMALE|BLACK", "FEMALE|ASIAN", "65+", "0-15"]
    base = ROWS[3]  # a count row; only breakdown_value varies
    rows = [(*base[:11], v, *base[12:]) for v in values]
    lines = f.csv_text(frame(rows)).splitlines()[1:]
    got = [line.split(",")[11] for line in lines]
    assert got == sorted(values, key=lambda v: v.encode("utf-8"))
    assert got[:3] == ["-", "0-15", "65+"] and got.index("Z") < got.index("_") < got.index("a-b")


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [
        ("percent", 0.15, "0.2"),  # binary 0.1499999999999999944…
        ("percent", 0.25, "0.3"),  # exact tie: away from zero, not to even
        ("percent", 0.35, "0.4"),
        ("percent", 12.0, "12.0"),
        ("percent", 100.0, "100.0"),
        ("percent", 0.04999, "0.0"),
        ("percent_change", -0.05, "-0.1"),  # half away from zero for negatives too
        ("percent_change", -0.04, "0.0"),  # never "-0.0"
        ("percent_change", -250.0, "-250.0"),
        ("per_1000", 2.675, "2.68"),  # binary 2.67499999999999982236431605997495353221893310546875
        ("per_1000", 1.005, "1.01"),
        ("per_1000", 3.4, "3.40"),
        ("per_1000", 0.004999, "0.00"),
        ("ratio", 1.125, "1.13"),  # exact binary tie
        ("ratio", 1.1249999999999998, "1.13"),  # one ulp below the tie: a computed 1.125
        ("ratio", 1.12499999, "1.12"),  # genuinely below
        ("ratio", 0.0, "0.00"),
        ("count", 2.5, "3"),
        ("count", 51234.0, "51234"),
    ],
)
def test_rounding_half_away_from_zero(unit, value, expected):
    rows = [(*ROWS[3][:14], value, unit, *ROWS[3][16:])]
    df = frame(rows)
    assert f.csv_text(df).splitlines()[1].split(",")[14] == expected
    assert f.round_for_publication(df)["value"][0] == float(expected)


def test_rounding_matches_decimal_arithmetic_on_random_values():
    # Decimals with one more digit than published (so a tie is one case in ten) and
    # arbitrary floats: the result must equal Decimal's ROUND_HALF_UP (= half away from
    # zero) of the number as written.
    rng = np.random.default_rng(20240501)
    short = rng.integers(-(10**7), 10**7, 4000) / 1000.0  # nearest float to a 3-decimal number
    long = rng.normal(0, 100, 4000)
    values = np.concatenate([short, long])
    units = np.where(np.arange(values.size) % 2 == 0, "ratio", "percent")
    rounded = f.round_for_publication(pl.DataFrame({"unit": units, "value": values}))["value"].to_numpy()
    for v, u, r in zip(values, units, rounded):
        quantum = Decimal("0.01") if u == "ratio" else Decimal("0.1")
        assert r == float(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_UP)), (v, u, r)


def test_round_for_publication_types_and_blanks():
    out = f.round_for_publication(frame())
    assert out.schema["numerator"] == pl.Int64 and out.schema["denominator"] == pl.Int64
    assert out.schema["value"] == pl.Float64
    assert out["value"].is_nan().sum() == 0  # NaN became null
    assert out.columns == f.COLUMNS  # other columns untouched, order kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop("note"), "missing column"),
        (lambda df: df.with_columns(unit=pl.lit("per_100000")), "unknown or blank unit"),
        (lambda df: df.with_columns(suppressed=pl.lit(None, pl.Boolean)), "'suppressed'"),
        (lambda df: df.with_columns(value=pl.lit(float("inf"))), "infinite"),
        (lambda df: pl.concat([df, df.head(1)]), "more than one row for the key"),
    ],
)
def test_bad_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        f.csv_text(change(frame()))


def test_parquet_round_trips_to_the_published_values(tmp_path):
    path = tmp_path / "indicators.parquet"
    f.write_indicators_parquet(frame(), path)
    schema = pq.read_schema(path)
    assert schema.names == f.COLUMNS
    assert {schema.field(c).type for c in f.COUNT_COLUMNS} == {pa.int64()}
    assert {schema.field(c).type for c in f.STAT_COLUMNS} == {pa.float64()}
    assert {schema.field(c).type for c in f.DATE_COLUMNS} == {pa.date32()}
    assert schema.field("suppressed").type == pa.bool_()
    assert schema.metadata is None or b"pandas" not in schema.metadata

    back = pl.read_parquet(path)
    # Same rows in the same order as the CSV, and the same published numbers.
    csv_rows = pl.read_csv(EXPECTED_CSV.encode(), infer_schema=False)
    assert back.select(f.SORT_KEYS).cast(pl.String).rows() == csv_rows.select(f.SORT_KEYS).rows()
    assert back.get_column("value").to_list() == [38.0, 41.0, 51234.0, -0.1, 3.4, 1.25, None, None, 12.5]
    assert back.get_column("ci_lower").to_list()[4:6] == [2.68, 1.13]
    assert back.get_column("numerator").to_list() == [38, 41, 51234, -1, 170, 170, None, 0, 249]
    assert back.get_column("suppressed").to_list() == [False] * 6 + [True, False, False]
    assert back.get_column("note").to_list()[:2] == [None, "line one\nline two"]  # "" is blank
    assert back.get_column("comparison").to_list()[0] is None
    expected = (
        f.round_for_publication(frame()).sort(f.SORT_KEYS).with_columns(pl.col("comparison", "note").replace("", None))
    )
    assert back.equals(expected, null_equal=True)


def test_parquet_is_deterministic(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    f.write_indicators_parquet(frame(), a)
    f.write_indicators_parquet(frame(list(reversed(ROWS))), b)
    assert a.read_bytes() == b.read_bytes()
