"""Which sources and indicators a vintage can give, and why the others are absent.

A source is published for the periods it has accepted files for (indicators.md, "Period"): a
source with none, or an indicator whose periods are not among its source's published ones (a
financial-year indicator before any complete financial year), has no row in the dataset. The
quality suite expects exactly the rest; the manifest's `absent` and the refresh's summary say
why each of the others is missing (docs/decisions/0023-absent-sources-and-indicators.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from pipelines.indicators.spec import IndicatorSpec, load_spec

PERIOD_WORDS = {"quarter": "quarters", "financial_year": "financial years"}


@dataclass(frozen=True)
class Coverage:
    expected_indicators: list[str]  # the indicators the dataset must have rows for, in indicators.yml's order
    absent: dict  # {"sources": [{source, reason}], "indicators": [{indicator_id, reason}]}


def coverage(
    published_periods: Iterable[tuple[str, str]],
    sources_with_rejected_files: Iterable[str],
    spec: IndicatorSpec | None = None,
) -> Coverage:
    """From the (source, period type) pairs with a published period, and the sources with a
    file rejected in this refresh's landing folder."""
    spec = spec or load_spec()
    published = set(published_periods)
    rejected = set(sources_with_rejected_files)
    present = {source for source, _ in published}
    absent_sources = []
    for source in spec.sources:
        if source in present:
            continue
        if source in rejected:
            reason = (
                f"Every {source} file received was rejected (see the rejected files), so none of its "
                "indicators can be published."
            )
        else:
            reason = f"No {source} file has been received, so none of its indicators can be published."
        absent_sources.append({"source": source, "reason": reason})

    expected, absent_indicators = [], []
    for indicator in spec.indicators:
        if any((indicator.source, period_type) in published for period_type in indicator.period_types):
            expected.append(indicator.id)
            continue
        if indicator.source not in present:
            reason = f"Its source, {indicator.source}, has no accepted file."
        elif indicator.period_types == ["financial_year"]:
            reason = (
                f"It is published for financial years only, and no financial year has an accepted "
                f"{indicator.source} file for each of its four quarters."
            )
        else:
            periods = " or ".join(PERIOD_WORDS[p] for p in indicator.period_types)
            reason = f"It is published for {periods}, and {indicator.source} has none published."
        absent_indicators.append({"indicator_id": indicator.id, "reason": reason})
    return Coverage(expected, {"sources": absent_sources, "indicators": absent_indicators})


def published_periods(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The (source, period type) pairs with a published period in the warehouse `con` is
    connected to (intermediate.int_published_periods, the rule the indicators' rows follow)."""
    return con.sql(
        "select distinct source, period_type from intermediate.int_published_periods order by all"
    ).fetchall()


def sources_with_rejected_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sources with a file rejected in this refresh's landing folder."""
    return [
        source
        for (source,) in con.sql(
            "select distinct source from audit.landing_files where status = 'rejected' order by all"
        ).fetchall()
    ]
