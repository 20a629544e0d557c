"""Funnel-plot limits (pipelines/publish/report/funnel.py) against DHSC's PHStatsMethods, the
Fingertips implementation (a test-only dependency: decision 0029), and against the Wilson
interval they are defined by."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from PHStatsMethods import assign_funnel_significance, calculate_funnel_limits
from statsmodels.stats.proportion import proportion_confint

from pipelines.publish.report import funnel

# Boroughs' numerators and denominators: small, middling and large, including 0% and a high rate.
TABLE = pd.DataFrame(
    {"num": [0, 3, 40, 130, 145, 190, 70, 900, 2500, 12], "den": [9, 25, 300, 800, 800, 800, 800, 6000, 14000, 15]}
)


def test_limits_worked_by_hand():
    # p = 0.15, n = 1000: √(0.15 · 0.85 / 1000) = 0.0112916; 1.959964 × it = 0.0221311, 3.090232 × it = 0.0348937.
    at = funnel.limits(0.15, 1000)
    assert at.lower_95 == pytest.approx(0.1278689, abs=1e-7) and at.upper_95 == pytest.approx(0.1721311, abs=1e-7)
    assert at.lower_998 == pytest.approx(0.1151063, abs=1e-7) and at.upper_998 == pytest.approx(0.1848937, abs=1e-7)
    # n = 10: 0.15 - 1.96 · 0.1129 < 0, so the lower limits are clipped to 0.
    assert funnel.limits(0.15, 10).lower_95 == 0.0 and funnel.limits(0.15, 10).lower_998 == 0.0


def test_limits_equal_phstatsmethods():
    """calculate_funnel_limits draws its limits at 100 denominators of its own choosing around
    the table's average; ours at the same denominators agree to 1e-9 (percentages)."""
    table = calculate_funnel_limits(TABLE.copy(), "num", "proportion", 100, denom_col="den", metadata=False)
    centre = TABLE["num"].sum() / TABLE["den"].sum()
    assert table["baseline"].iloc[0] == pytest.approx(100 * centre, abs=1e-12)
    assert len(table) == 100
    for n, lo95, hi95, lo998, hi998 in table[
        ["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit"]
    ].itertuples(index=False):
        ours = funnel.limits(centre, n)
        assert abs(100 * ours.lower_95 - lo95) < 1e-9 and abs(100 * ours.upper_95 - hi95) < 1e-9, n
        assert abs(100 * ours.lower_998 - lo998) < 1e-9 and abs(100 * ours.upper_998 - hi998) < 1e-9, n


def test_positions_equal_phstatsmethods():
    assigned = assign_funnel_significance(TABLE.copy(), "num", "proportion", denom_col="den")
    centre = TABLE["num"].sum() / TABLE["den"].sum()
    words = {
        "High (0.001)": funnel.ABOVE_998,
        "High (0.025)": funnel.ABOVE_95,
        "Not significant": funnel.WITHIN,
        "Low (0.025)": funnel.BELOW_95,
        "Low (0.001)": funnel.BELOW_998,
    }
    ours = [funnel.position(num, den, centre) for num, den in TABLE[["num", "den"]].itertuples(index=False)]
    assert ours == [words[s] for s in assigned["significance"]]
    assert len(set(ours)) >= 4  # the table reaches most positions, so the comparison means something


def test_limits_are_where_the_wilson_interval_reaches_the_centre():
    """Fingertips' limits are Wilson-based: at each limit, the Wilson score interval of the
    limit itself (statsmodels) has the centre as its far bound."""
    centre = 0.151
    for n in (200, 800, 14000):  # none clipped at 0 or 1
        at = funnel.limits(centre, n)
        for z, lower, upper in ((funnel.Z95, at.lower_95, at.upper_95), (funnel.Z998, at.lower_998, at.upper_998)):
            alpha = 2 * (1 - _normal_cdf(z))
            assert proportion_confint(lower * n, n, alpha=alpha, method="wilson")[1] == pytest.approx(centre, abs=1e-12)
            assert proportion_confint(upper * n, n, alpha=alpha, method="wilson")[0] == pytest.approx(centre, abs=1e-12)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="positive denominator"):
        funnel.limits(0.2, 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        funnel.limits(15.0, 100)
