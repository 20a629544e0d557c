"""Calendar quarters named by their first month (`2009-04`) and their financial-year labels."""

from __future__ import annotations

import datetime as dt
import re

QUARTER_NAME = re.compile(r"^(\d{4})-(01|04|07|10)$")
# The earliest quarter a landing file may be for: an earlier name is a typo
# (docs/decisions/0024-landing-quarters-follow-the-files.md).
FIRST_QUARTER = "2000-01"


def is_quarter(name: str) -> bool:
    return bool(QUARTER_NAME.match(name))


def quarter_start(quarter: str) -> dt.date:
    year, month = quarter.split("-")
    return dt.date(int(year), int(month), 1)


def quarter_end(quarter: str) -> dt.date:
    start = quarter_start(quarter)
    nxt = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> str:
    return f"{day.year:04d}-{(day.month - 1) // 3 * 3 + 1:02d}"


def quarters_between(first: str, last: str) -> list[str]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = quarter_of(quarter_end(q) + dt.timedelta(days=1))
    return out


def quarter_label(quarter: str) -> str:
    """`2009-04` -> `2009/10 Q1`, `2010-01` -> `2009/10 Q4` (financial-year quarters)."""
    start = quarter_start(quarter)
    fy = start.year if start.month >= 4 else start.year - 1
    return f"{financial_year_label(fy)} Q{((start.month - 4) % 12) // 3 + 1}"


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"
