"""Statistics of the indicators (indicators.md, "Statistics"), vectorised over whole columns.

Every function takes array-likes (numpy arrays, pandas Series including nullable
``Int64``/``Float64``, polars Series, lists or scalars; they broadcast against each
other) and returns float64 numpy arrays, positionally aligned with the input (pandas
indexes are not kept). Missing inputs (``None``, ``NaN``, ``pd.NA``, polars null) and
zero denominators give ``NaN`` — never an error or a warning — so the caller can write
blanks. Values are unrounded: rounding belongs to publication only
(``pipelines.publish.dataset_format``), and ``comparison`` must use unrounded values.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv, ndtri

# scipy.special, not scipy.stats, and pandas only when pandas data is passed: importing
# scipy.stats and pandas is slow, in every process that computes or publishes indicators.
# The quantiles are the ones scipy.stats computes: chi2.ppf(p, df) is 2·gammaincinv(df/2, p)
# and norm.ppf is ndtri.

#: The spec fixes z at this value "throughout"; it is exactly norm.ppf(0.975).
Z_95 = 1.959963984540054

#: Method names for the published metadata, by unit (None: the unit has no limits).
METHOD_NAMES: dict[str, str | None] = {
    "percent": "95% Wilson score interval, no continuity correction (Newcombe 1998, method 3)",
    "per_1000": "95% exact Poisson interval on the count, from the chi-square distribution "
    "(lower ½χ²(0.025; 2n), upper ½χ²(0.975; 2n + 2))",
    "ratio": "Relative rate index with 95% limits exp(ln(RRI) ± z·√(1/a + 1/b)) "
    "(normal approximation on the log scale)",
    "count": None,
    "percent_change": None,
}


def _is_pandas(x) -> bool:
    return type(x).__module__.startswith("pandas") and hasattr(x, "to_numpy")


def _is_polars(x) -> bool:
    return type(x).__module__.startswith("polars")


def _as_float(x) -> np.ndarray:
    """Any array-like (or scalar) as float64, with every kind of missing value as NaN."""
    if _is_pandas(x):  # Series, Index, extension arrays (nullable Int64/Float64)
        return x.to_numpy(dtype="float64", na_value=np.nan)
    if _is_polars(x):
        import polars as pl  # only needed when polars data is passed

        return x.cast(pl.Float64).to_numpy()
    return np.asarray(x, dtype="float64")  # None becomes NaN here


def _z(confidence: float) -> float:
    # The literal keeps the 95% z bit-identical to the spec's constant.
    return Z_95 if confidence == 0.95 else float(ndtri(0.5 + confidence / 2))


def _chi2_ppf(p: float, df: np.ndarray) -> np.ndarray:
    """scipy.stats.chi2.ppf(p, df) for 0 < p < 1: NaN where df is not positive."""
    with np.errstate(all="ignore"):
        return np.where(df > 0, 2.0 * gammaincinv(df / 2.0, p), np.nan)


def percent(numerator, denominator) -> np.ndarray:
    """100 × numerator / denominator; NaN where the denominator is 0 or missing."""
    num, den = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    with np.errstate(all="ignore"):
        return np.where(den > 0, 100.0 * num / den, np.nan)


def wilson_interval(numerator, denominator, confidence: float = 0.95):
    """Wilson score interval, no continuity correction (Newcombe 1998, method 3).

    Returns ``(lower_pct, upper_pct)``: percentages clamped to 0–100, NaN where the
    denominator is 0 or missing or the numerator is missing. Uses the formula of the
    PHE/UKHSA indicator methods, (2r + z² ∓ z√(z² + 4r(1 − p))) / (2(n + z²)), with
    z = 1.959963984540054 at 95%. ``confidence`` exists so that the tests can also check
    the reference 99.8% limits; the warehouse always uses 95%.
    """
    r, n = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    z = _z(confidence)
    z2 = z * z
    with np.errstate(all="ignore"):
        p = r / n
        centre = 2.0 * r + z2
        half = z * np.sqrt(z2 + 4.0 * r * (1.0 - p))
        scale = 100.0 / (2.0 * (n + z2))
        valid = n > 0  # False for NaN too
        lower = np.where(valid, (centre - half) * scale, np.nan)
        upper = np.where(valid, (centre + half) * scale, np.nan)
    # Clamp: rounding can leave e.g. -1e-15 for r = 0; np.clip keeps NaN as NaN.
    return np.clip(lower, 0.0, 100.0), np.clip(upper, 0.0, 100.0)


def poisson_exact_interval(count, population, multiplier: float = 1000, confidence: float = 0.95):
    """Exact Poisson interval for a rate, from the chi-square distribution (not Byar's).

    Returns ``(lower, upper)`` per ``multiplier`` people: lower ½χ²(α/2; 2n) (0 when
    n = 0), upper ½χ²(1 − α/2; 2n + 2), both × multiplier / population, α = 0.05.
    NaN where the population is 0 or missing or the count is missing.
    """
    n, pop = np.broadcast_arrays(_as_float(count), _as_float(population))
    lo_p, hi_p = (0.025, 0.975) if confidence == 0.95 else ((1 - confidence) / 2, (1 + confidence) / 2)
    with np.errstate(all="ignore"):
        factor = np.where(pop > 0, multiplier / pop, np.nan)
        # chi2 with 0 degrees of freedom is NaN in scipy; the limit is 0 by definition.
        lower = np.where(n == 0, 0.0, _chi2_ppf(lo_p, 2.0 * n) / 2.0)
        upper = _chi2_ppf(hi_p, 2.0 * n + 2.0) / 2.0
        return lower * factor, upper * factor


def relative_rate_index(a, pop_a, b, pop_b, confidence: float = 0.95):
    """Relative rate index (rate ratio) of a group against a reference group.

    Returns ``(value, lower, upper)``: value = (a / pop_a) / (b / pop_b); 95% limits
    exp(ln(value) ± z·√(1/a + 1/b)) (normal approximation on the log scale, the counts
    taken as Poisson). value is NaN when b is 0, or a population is 0 or missing; the
    limits are NaN when a or b is 0 (the log scale has no interval there).
    """
    a, pop_a, b, pop_b = np.broadcast_arrays(*(_as_float(v) for v in (a, pop_a, b, pop_b)))
    z = _z(confidence)
    with np.errstate(all="ignore"):
        ok = (b > 0) & (pop_a > 0) & (pop_b > 0) & ~np.isnan(a)
        value = np.where(ok, (a / pop_a) / (b / pop_b), np.nan)
        has_limits = ok & (a > 0)
        spread = z * np.sqrt(1.0 / a + 1.0 / b)
        log_value = np.log(value)
        lower = np.where(has_limits, np.exp(log_value - spread), np.nan)
        upper = np.where(has_limits, np.exp(log_value + spread), np.nan)
    return value, lower, upper


def comparison(value, lower, upper, comparator_value, is_ratio) -> np.ndarray:
    """Compare each row with its comparator by its 95% limits (indicators.md, "Statistics").

    ``higher`` when the comparator lies strictly below the row's lower limit, ``lower``
    when strictly above its upper limit, else ``similar`` (a comparator on a limit is
    ``similar``); ``not_compared`` when the row has no value or no limits, or the
    comparator has no value. Rows with ``is_ratio`` true are compared with 1 whatever
    ``comparator_value`` holds. Pass unrounded values. The caller chooses each row's
    comparator and blanks the result where the comparator is suppressed.

    Returns a numpy object array of those four strings.
    """
    value, lower, upper, comp = np.broadcast_arrays(*(_as_float(v) for v in (value, lower, upper, comparator_value)))
    if _is_pandas(is_ratio):
        ratio = is_ratio.to_numpy(dtype=bool, na_value=False)
    elif _is_polars(is_ratio):
        ratio = is_ratio.fill_null(False).to_numpy()
    else:
        ratio = np.asarray(is_ratio, dtype=bool)
    comp = np.where(np.broadcast_to(ratio, comp.shape), 1.0, comp)
    known = ~(np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(comp))
    out = np.select(
        [~known, comp < lower, comp > upper],
        ["not_compared", "higher", "lower"],
        default="similar",
    )
    return out.astype(object)


def newcombe_difference_interval(numerator1, denominator1, numerator2, denominator2, confidence: float = 0.95):
    """Difference of two independent proportions, p₁ − p₂, with Newcombe's hybrid score
    interval (Newcombe 1998, method 10: built from the two Wilson score intervals), as
    statsmodels computes it (``confint_proportions_2indep(method="newcomb", compare="diff")``).

    Returns ``(difference, lower, upper)`` as proportions (−1 to 1), NaN where a denominator is
    0 or missing or a numerator is missing.
    """
    # statsmodels (and the scipy.stats it loads) only where this runs: see the import note above.
    from statsmodels.stats.proportion import confint_proportions_2indep

    x1, n1, x2, n2 = (
        a.copy()
        for a in np.broadcast_arrays(
            *(np.atleast_1d(_as_float(v)) for v in (numerator1, denominator1, numerator2, denominator2))
        )
    )
    difference, lower, upper = (np.full(x1.shape, np.nan) for _ in range(3))
    ok = (n1 > 0) & (n2 > 0) & ~np.isnan(x1) & ~np.isnan(x2)
    if ok.any():
        difference[ok] = x1[ok] / n1[ok] - x2[ok] / n2[ok]
        lower[ok], upper[ok] = confint_proportions_2indep(
            x1[ok], n1[ok], x2[ok], n2[ok], method="newcomb", compare="diff", alpha=1 - confidence
        )
    return difference, lower, upper


def linear_trend_test(numerators, denominators, scores=None):
    """Chi-squared test for linear trend in proportions (Cochran–Armitage, as R's
    ``prop.trend.test``): one row per series, one column per group in order, scored 1…k
    unless ``scores`` are given. With xᵢ of nᵢ at score tᵢ, N = Σnᵢ and p̄ = Σxᵢ/N,

        χ² = (Σxᵢtᵢ − p̄Σnᵢtᵢ)² / (p̄(1 − p̄)(Σnᵢtᵢ² − (Σnᵢtᵢ)²/N)), 1 degree of freedom,

    and the p-value is the χ² upper tail (``scipy.stats.chi2.sf``).

    Returns ``(statistic, p_value, slope)``: ``slope`` is the change of the proportion per unit
    of score (the weighted least-squares slope the test asks about; its sign is the direction).
    A row with a zero or missing denominator or a missing numerator gives NaN for all three;
    a row whose proportions are all 0 or all 1 has nothing that varies: slope 0, statistic and
    p-value NaN.
    """
    from scipy.stats import chi2  # scipy.stats only where this runs: see the import note above

    x, n = np.broadcast_arrays(np.atleast_2d(_as_float(numerators)), np.atleast_2d(_as_float(denominators)))
    t = np.broadcast_to(np.arange(1.0, x.shape[1] + 1.0) if scores is None else _as_float(scores), x.shape)
    with np.errstate(all="ignore"):
        total = n.sum(axis=1)
        p_bar = x.sum(axis=1) / total
        score_spread = (n * t * t).sum(axis=1) - (n * t).sum(axis=1) ** 2 / total
        departure = (x * t).sum(axis=1) - p_bar * (n * t).sum(axis=1)
        statistic = departure**2 / (p_bar * (1.0 - p_bar) * score_spread)
        slope = departure / score_spread
    valid = (n > 0).all(axis=1) & ~np.isnan(x).any(axis=1)
    statistic = np.where(valid & (p_bar > 0) & (p_bar < 1), statistic, np.nan)
    slope = np.where(valid, slope, np.nan)
    return statistic, chi2.sf(statistic, 1), slope
