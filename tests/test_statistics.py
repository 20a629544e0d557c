"""Tests of pipelines.statistics against the PHE/UKHSA known answers and hand-worked cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from pipelines import statistics as st

# Extracted from ../shared/reference/phe_methods by tests/data/phe_methods/extract.py.
PHE = Path(__file__).parent / "data" / "phe_methods"
TOL = 1e-9  # absolute on the reference's scale, or relative for values above 1


def _close(actual, expected) -> np.ndarray:
    return np.abs(actual - expected) <= TOL * np.maximum(1.0, np.abs(expected))


def _reference(name: str) -> pd.DataFrame:
    df = pd.read_csv(PHE / name, dtype={"source": str, "area": str})
    df["bad_input"] = df["numerator"].isna() | df["denominator"].isna()
    return df


def test_z_is_the_spec_constant():
    assert st.Z_95 == 1.959963984540054
    assert norm.ppf(0.975) == st.Z_95


# --- Wilson ---------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_wilson_matches_phe_reference(confidence):
    ref = _reference("wilson.csv")
    ref = ref[(ref["confidence"] == confidence) & ~ref["bad_input"]]
    assert len(ref) >= (19 if confidence == 0.95 else 11)
    lower, upper = st.wilson_interval(ref["numerator"], ref["denominator"], confidence=confidence)
    # The reference is on the scale of its multiplier (1 = proportion); ours is percent.
    scale = 100.0 / ref["multiplier"].to_numpy()
    bad = ~(_close(lower, ref["lower"].to_numpy() * scale) & _close(upper, ref["upper"].to_numpy() * scale))
    assert not bad.any(), ref.loc[bad, "source"].tolist()


def test_wilson_bad_reference_inputs_are_nan():
    ref = _reference("wilson.csv")
    ref = ref[ref["bad_input"]]
    assert len(ref) == 9
    lower, upper = st.wilson_interval(ref["numerator"], ref["denominator"])
    assert np.isnan(lower).all() and np.isnan(upper).all()


def test_wilson_agrees_with_statsmodels():
    num = np.array([0, 1, 3, 50, 99, 100, 12345])
    den = np.array([10, 1, 7, 100, 100, 100, 20000])
    lower, upper = st.wilson_interval(num, den)
    sm_lower, sm_upper = proportion_confint(num, den, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lower, 100 * np.clip(sm_lower, 0, 1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(upper, 100 * np.clip(sm_upper, 0, 1), rtol=0, atol=1e-9)


def test_wilson_edges():
    # 0 of 10: lower exactly 0 (clamped), upper z²/(n + z²) = 3.8415/13.8415 = 27.753...%
    # n of n: the mirror image. Zero or missing denominators: NaN, no warning.
    z2 = st.Z_95**2
    with np.errstate(all="raise"):
        lower, upper = st.wilson_interval(
            pd.array([0, 10, 0, 5, None], dtype="Int64"), pd.array([10, 10, 0, None, 10], dtype="Int64")
        )
    assert lower[0] == 0.0 and upper[0] == pytest.approx(100 * z2 / (10 + z2), abs=1e-12)
    assert upper[1] == 100.0 and lower[1] == pytest.approx(100 * 10 / (10 + z2), abs=1e-12)
    assert np.isnan(lower[2:]).all() and np.isnan(upper[2:]).all()
    assert ((lower[:2] >= 0) & (upper[:2] <= 100)).all()


def test_inputs_of_every_kind_give_the_same_answer():
    expected = st.wilson_interval(np.array([3.0, np.nan]), np.array([8.0, 8.0]))
    for num in ([3, None], pd.Series([3, None], dtype="Float64"), pl.Series([3, None])):
        got = st.wilson_interval(num, 8)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


# --- Exact Poisson --------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_poisson_exact_matches_phe_reference(confidence):
    ref = _reference("poisson_exact.csv")
    ref = ref[(ref["confidence"] == confidence) & ~ref["bad_input"]]
    assert len(ref) >= (5 if confidence == 0.95 else 4)
    lower, upper = st.poisson_exact_interval(
        ref["numerator"], ref["denominator"], multiplier=ref["multiplier"].to_numpy(), confidence=confidence
    )
    bad = ~(_close(lower, ref["lower"].to_numpy()) & _close(upper, ref["upper"].to_numpy()))
    assert not bad.any(), ref.loc[bad, "source"].tolist()


def test_poisson_bad_reference_inputs_are_nan():
    ref = _reference("poisson_exact.csv")
    ref = ref[ref["bad_input"]]
    assert len(ref) == 9
    lower, upper = st.poisson_exact_interval(ref["numerator"], ref["denominator"], multiplier=100000)
    assert np.isnan(lower).all() and np.isnan(upper).all()


def test_poisson_exact_closed_forms():
    # With 2 degrees of freedom chi2 is exponential: ½χ²(p; 2) = −ln(1 − p). So
    # n = 0: lower 0, upper −ln(0.025) = 3.68888 events; n = 1: lower −ln(0.975) = 0.02532.
    # Per 1000 of a population of 2000 those are halved.
    with np.errstate(all="raise"):
        lower, upper = st.poisson_exact_interval([0, 1, 4, 4, None], [2000, 2000, 0, None, 2000])
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025) / 2, rel=1e-12)
    assert lower[1] == pytest.approx(-math.log(0.975) / 2, rel=1e-12)
    assert np.isnan(lower[2:]).all() and np.isnan(upper[2:]).all()


def test_percent():
    got = st.percent(pd.array([1, 0, 3, None, 2], dtype="Int64"), [8, 5, 0, 4, None])
    np.testing.assert_array_equal(got, [12.5, 0.0, np.nan, np.nan, np.nan])


# --- Relative rate index --------------------------------------------------------------


def test_relative_rate_index_hand_worked():
    # a = 50 of 10,000 (rate 5 per 1000), b = 100 of 50,000 (rate 2 per 1000): RRI = 2.5.
    # se(ln RRI) = √(1/50 + 1/100) = √0.03 = 0.1732051; z·se = 1.959964 × 0.1732051 = 0.3394757.
    # lower = 2.5 × e^−0.3394757 = 2.5 × 0.7121436 = 1.780359;
    # upper = 2.5 × e^+0.3394757 = 2.5 × 1.4042112 = 3.510528.
    value, lower, upper = st.relative_rate_index(50, 10_000, 100, 50_000)
    assert value == pytest.approx(2.5, rel=1e-15)
    assert lower == pytest.approx(1.780359, abs=5e-7)
    assert upper == pytest.approx(3.510528, abs=5e-7)


def test_relative_rate_index_zeros_and_missing():
    # Row 0: a = 0 -> value 0, no limits. Row 1: b = 0 -> nothing. Row 2: population missing.
    # Row 3: a missing. Row 4: an ordinary row, checked against the symmetric log interval.
    with np.errstate(all="raise"):
        value, lower, upper = st.relative_rate_index(
            [0, 5, 5, None, 20], [1000, 1000, None, 1000, 4000], [10, 0, 10, 10, 20], [1000, 1000, 1000, 1000, 1000]
        )
    assert value[0] == 0.0 and np.isnan(lower[0]) and np.isnan(upper[0])
    assert np.isnan(value[1:4]).all() and np.isnan(lower[:4]).all() and np.isnan(upper[:4]).all()
    assert value[4] == pytest.approx(0.25)
    assert lower[4] * upper[4] == pytest.approx(0.25**2)  # symmetric on the log scale


# --- Comparison -----------------------------------------------------------------------


def test_comparison_rule():
    nan = np.nan
    rows = [
        # value, lower, upper, comparator, is_ratio, expected
        (10.0, 8.0, 12.0, 7.0, False, "higher"),  # comparator below the lower limit
        (10.0, 8.0, 12.0, 13.0, False, "lower"),  # comparator above the upper limit
        (10.0, 8.0, 12.0, 10.0, False, "similar"),
        (10.0, 8.0, 12.0, 8.0, False, "similar"),  # on a limit: not significantly different
        (10.0, 8.0, 12.0, 12.0, False, "similar"),
        (10.0, 8.0, 12.0, nan, False, "not_compared"),  # comparator has no value
        (10.0, nan, nan, 5.0, False, "not_compared"),  # row has no limits (count, change)
        (nan, nan, nan, 5.0, False, "not_compared"),  # zero denominator
        (1.6, 1.2, 2.0, nan, True, "higher"),  # ratio rows: comparator is 1, whatever is passed
        (0.7, 0.5, 0.9, 0.1, True, "lower"),
        (1.1, 0.8, 1.3, 5.0, True, "similar"),
        (0.0, nan, nan, nan, True, "not_compared"),  # ratio with a = 0: no limits
    ]
    value, lower, upper, comp, is_ratio, expected = map(list, zip(*rows))
    got = st.comparison(np.array(value), pd.Series(lower), pl.Series(upper), comp, pl.Series(is_ratio))
    assert got.tolist() == expected
    assert got.dtype == object


def test_comparison_broadcasts_a_scalar_comparator():
    got = st.comparison([5, 5], [4, 6], [6, 7], 5.5, False)
    assert got.tolist() == ["similar", "higher"]  # 5.5 lies below the lower limit 6


def test_method_names_cover_every_unit():
    assert set(st.METHOD_NAMES) == {"count", "percent", "per_1000", "ratio", "percent_change"}
    assert st.METHOD_NAMES["count"] is None and st.METHOD_NAMES["percent_change"] is None
    assert "Wilson" in st.METHOD_NAMES["percent"] and "Poisson" in st.METHOD_NAMES["per_1000"]


# Newcombe RG (1998) "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Statistics in Medicine 17:873-890, Table II, method 10 (score
# method from Wilson intervals, no continuity correction), examples (a)-(f): p1 - p2 and its
# 95% limits to four decimals. Example (c) is 0.0582 to 0.8062: the formula of the paper
# (d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 + (p2 - l2)^2)) on the Wilson
# limits of 6/7 (0.4869, 0.9743) and 2/7 (0.0822, 0.6411) gives those values.
NEWCOMBE_1998_TABLE_II = [
    (56, 70, 48, 80, 0.2000, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.6000, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.5714, 0.0582, 0.8062),
    (5, 56, 0, 29, 0.0893, -0.0381, 0.1926),
    (0, 10, 0, 20, 0.0000, -0.1611, 0.2775),
    (10, 10, 0, 20, 1.0000, 0.6791, 1.0000),
]


def test_newcombe_interval_matches_newcombe_1998_table_ii():
    x1, n1, x2, n2, diff, lower, upper = (np.array(c, dtype=float) for c in zip(*NEWCOMBE_1998_TABLE_II))
    got = st.newcombe_difference_interval(x1, n1, x2, n2)
    for actual, expected in zip(got, (diff, lower, upper)):
        np.testing.assert_allclose(actual, expected, rtol=0, atol=5e-5)


def test_newcombe_interval_blank_without_a_denominator():
    d, lo, hi = st.newcombe_difference_interval([1, 3, np.nan, 2], [0, 10, 10, None], [1, 0, 1, 1], [5, 0, 5, 5])
    assert np.isnan(d).all() and np.isnan(lo).all() and np.isnan(hi).all()
    d, lo, hi = st.newcombe_difference_interval(pl.Series([0, 9]), pd.Series([10, 10]), 0, pd.array([20, None]))
    np.testing.assert_allclose([d[0], lo[0], hi[0]], [0.0, -0.1611, 0.2775], atol=5e-5)
    assert np.isnan(d[1])


def test_linear_trend_matches_r_prop_trend_test():
    # R's documentation of prop.trend.test (stats package, ?prop.trend.test):
    #   smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
    #   prop.trend.test(smokers, patients)  ->  X-squared = 8.2249, df = 1, p-value = 0.004132
    statistic, p_value, slope = st.linear_trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    assert statistic[0] == pytest.approx(8.2249, abs=5e-5)
    assert p_value[0] == pytest.approx(0.004132, abs=5e-7)
    assert slope[0] < 0  # 96.5%, 96.8%, 94.9%, 85.4%: falling


def test_linear_trend_worked_by_hand():
    # 10, 15, 20, 25, 30 of 100 at scores 1-5: N = 500, p = 0.2, sum(x t) = 350, sum(n t) = 1500,
    # U = 350 - 0.2 * 1500 = 50; sum(n t^2) - (sum(n t))^2 / N = 5500 - 4500 = 1000;
    # chi2 = 50^2 / (0.2 * 0.8 * 1000) = 15.625; p = erfc(sqrt(15.625 / 2)); slope = 50 / 1000.
    # The same counts reversed: the same chi2, slope -0.05. Scores 2, 4, ..., 10 double the
    # spread of the scores: the same chi2, half the slope per unit of score.
    statistic, p_value, slope = st.linear_trend_test([[10, 15, 20, 25, 30], [30, 25, 20, 15, 10]], [100] * 5)
    np.testing.assert_allclose(statistic, [15.625, 15.625])
    np.testing.assert_allclose(p_value, math.erfc(math.sqrt(15.625 / 2)))
    np.testing.assert_allclose(slope, [0.05, -0.05])
    statistic, _, slope = st.linear_trend_test([10, 15, 20, 25, 30], [100] * 5, scores=[2, 4, 6, 8, 10])
    np.testing.assert_allclose([statistic[0], slope[0]], [15.625, 0.025])


def test_linear_trend_undefined_cases():
    # A zero denominator: nothing; all proportions 0 (or all 1): nothing varies, slope 0, no test.
    statistic, p_value, slope = st.linear_trend_test(
        [[1, 2, 3], [0, 0, 0], [5, 5, 5]], [[0, 10, 10], [5, 5, 5], [5, 5, 5]]
    )
    assert np.isnan(statistic).all() and np.isnan(p_value).all()
    assert np.isnan(slope[0]) and slope[1] == 0 and slope[2] == 0
