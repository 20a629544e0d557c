"""Funnel-plot control limits for proportions, as the Fingertips technical guidance ("Funnel
plots") defines them and DHSC's PHStatsMethods computes them (decision 0029).

A borough with denominator n lies inside the limits at level z when the Wilson score interval
of its own proportion reaches London's proportion p. The bounds of a Wilson interval are the
proportions q with (p̂ − q)² = z² q(1 − q)/n, so the observed proportions whose interval just
touches p are p ± z √(p(1 − p)/n): the limits, clipped to 0 and 1. (PHStatsMethods reaches the
same values through the quadratic of that condition; tests/test_report_funnel.py compares.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

#: Two-sided 95% and 99.8% limits ("2 and 3 sigma" in the guidance): the 97.5th and 99.9th
#: percentiles of the standard normal distribution.
Z95 = float(norm.ppf(0.975))
Z998 = float(norm.ppf(0.999))

ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998 = (
    "above 99.8% limit",
    "above 95% limit",
    "within limits",
    "below 95% limit",
    "below 99.8% limit",
)
POSITIONS = [ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998]


@dataclass(frozen=True)
class Limits:
    """Control limits (proportions, 0 to 1) for one denominator."""

    denominator: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


def limits(centre: float, denominator: float) -> Limits:
    """The 95% and 99.8% limits around the proportion ``centre`` for a denominator."""
    if not 0 <= centre <= 1:
        raise ValueError(f"the centre line must be a proportion between 0 and 1, not {centre}")
    if denominator <= 0:
        raise ValueError(f"a funnel needs a positive denominator, not {denominator}")
    spread = math.sqrt(centre * (1 - centre) / denominator)
    return Limits(
        denominator=denominator,
        lower_95=max(0.0, centre - Z95 * spread),
        upper_95=min(1.0, centre + Z95 * spread),
        lower_998=max(0.0, centre - Z998 * spread),
        upper_998=min(1.0, centre + Z998 * spread),
    )


def position(numerator: float, denominator: float, centre: float) -> str:
    """Where a proportion lies against the limits (strictly outside, as PHStatsMethods'
    ``assign_funnel_significance`` decides)."""
    observed = numerator / denominator
    at = limits(centre, denominator)
    if observed > at.upper_998:
        return ABOVE_998
    if observed > at.upper_95:
        return ABOVE_95
    if observed < at.lower_998:
        return BELOW_998
    if observed < at.lower_95:
        return BELOW_95
    return WITHIN


def curve_denominators(smallest: float, largest: float, points: int = 100) -> list[float]:
    """Denominators at which the funnel's curves are drawn: from half the smallest borough's
    (the curves explode towards a denominator of 1, squeezing the boroughs into a corner) to a
    little beyond the largest, evenly spaced on a square-root scale so the narrow end is smooth."""
    low, high = max(1.0, smallest / 2), max(largest * 1.05, 2.0)
    return [(math.sqrt(low) + (math.sqrt(high) - math.sqrt(low)) * k / (points - 1)) ** 2 for k in range(points)]
