"""Turn the raw strings of a landing file into typed values, as polars expressions.

Shared by every source's schema module. Each function takes a *column reference* to a
``Utf8`` column as `pipelines.landing.read` gives it (trimmed, blank = null) and returns
the typed value, null where the value is blank or does not have the form of extracts.md
("Files" section). Whether a null is an error, a warning or fine is for the schema to
decide, by comparing the typed value with the raw one.

Pass column references, not computed expressions: a function may use its argument several
times, and polars evaluates a computed argument again at each use (a timestamp parser fed
with an inline `strip` was several times slower than fed with a column).
Evaluate the expressions together in one lazy `with_columns`, so that polars parses the
columns in parallel and shares repeated sub-expressions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

LONDON = "Europe/London"
EARLIEST_DATE = dt.date(1900, 1, 1)
EARLIEST_TIMESTAMP = dt.datetime(1900, 1, 1)

# Either date form may carry a midnight time (an Excel export of a date cell does that).
_MIDNIGHT = r"[T ]00:00(?::00)?$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_UK_DATE = r"^\d{1,2}/\d{1,2}/\d{4}$"
# Timestamps: ISO with optional seconds and zone, or UK day-first without a zone.
_ISO_TS = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:[0-5]\d)?$"
_UK_TS = r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(?::\d{2})?$"
_ZONE = r"(Z|[+-]\d{2}:\d{2})$"
# The regular expressions decide what is a timestamp; these formats only convert (on their
# own, strptime would also take `2012-1-5 9:05`). The text is first brought to one form per
# date order (a space before the time, seconds written), so that two parses do what six did.
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")
_INTEGER = r"^\d+(?:\.0+)?$"


def code(value: pl.Expr) -> pl.Expr:
    """A code, compared case-insensitively: upper-cased."""
    return value.str.to_uppercase()


def matching(value: pl.Expr, pattern: str) -> pl.Expr:
    """The value where it matches the regular expression, else null."""
    return pl.when(value.str.contains(pattern)).then(value)


def one_of(value: pl.Expr, allowed: Iterable[str]) -> pl.Expr:
    """The value where it is in the list, else null."""
    return pl.when(value.is_in(list(allowed))).then(value)


def in_range(value: pl.Expr, low, high, *, high_inclusive: bool = True) -> pl.Expr:
    """The value where low <= value <= high (or < high), else null."""
    upper = value <= high if high_inclusive else value < high
    return pl.when((value >= low) & upper).then(value)


def date(value: pl.Expr) -> pl.Expr:
    """`YYYY-MM-DD`, `D/M/YYYY` or `DD/MM/YYYY`, optionally with a midnight time → Date.

    Impossible calendar dates (31/02/2012) are null like any other invalid text. The range
    (1900 to the end of the quarter) is the schema's to check: it knows the quarter.
    """
    s = value.str.replace(_MIDNIGHT, "")
    return pl.coalesce(
        pl.when(s.str.contains(_ISO_DATE)).then(s).str.to_date("%Y-%m-%d", strict=False),
        pl.when(s.str.contains(_UK_DATE)).then(s).str.to_date("%d/%m/%Y", strict=False),
    )


def timestamp_utc(value: pl.Expr) -> pl.Expr:
    """A timestamp as a naive ``Datetime('us')`` in UTC, so that values compare as instants.

    Without a zone the text is London local time. In the hour repeated when the clocks go
    back the earlier (BST) reading is taken; a time inside the hour skipped when they go
    forward cannot be London time, so it is read as GMT rather than thrown away.
    """
    form_ok = value.str.contains(_ISO_TS) | value.str.contains(_UK_TS)
    zone = value.str.extract(_ZONE, 1)
    written = pl.when(form_ok).then(value.str.slice(0, value.str.len_chars() - zone.str.len_chars().fill_null(0)))
    spaced = written.str.replace("T", " ", literal=True)
    with_seconds = pl.when(spaced.str.count_matches(":", literal=True) == 1).then(spaced + ":00").otherwise(spaced)
    naive = pl.coalesce(with_seconds.str.to_datetime(f, strict=False, time_unit="us") for f in _TIMESTAMP_FORMATS)

    # Explicit zone: subtract its offset from the written time.
    sign = pl.when(zone.str.starts_with("-")).then(-1).otherwise(1)
    hours = zone.str.slice(1, 2).cast(pl.Int64, strict=False).fill_null(0)
    minutes = zone.str.slice(4, 2).cast(pl.Int64, strict=False).fill_null(0)
    zoned = naive - (sign * (hours * 60 + minutes) * 60_000_000).cast(pl.Duration("us"))

    london = naive.dt.replace_time_zone(LONDON, ambiguous="earliest", non_existent="null")
    local = london.dt.convert_time_zone("UTC").dt.replace_time_zone(None).fill_null(naive)
    return pl.when(zone.is_not_null()).then(zoned).otherwise(local).cast(pl.Datetime("us"))


def integer(value: pl.Expr) -> pl.Expr:
    """Digits, or a number with a zero fraction (`36.0`) → Int64; anything else null."""
    digits = pl.when(value.str.contains(_INTEGER)).then(value).str.replace(r"\.0+$", "")
    return digits.cast(pl.Int64, strict=False)


def flag(value: pl.Expr) -> pl.Expr:
    """`Y`/`N` (any case) → True/False, blank → False; anything else null (invalid)."""
    c = code(value)
    return pl.when(value.is_null()).then(False).when(c == "Y").then(True).when(c == "N").then(False)


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar quarter named `YYYY-MM`."""
    start = dt.date.fromisoformat(f"{quarter}-01")
    if start.month not in (1, 4, 7, 10):
        raise ValueError(f"{quarter} is not the first month of a quarter")
    month = start.month + 3
    next_start = dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def london_midnight_utc(day: dt.date) -> dt.datetime:
    """The instant (naive UTC) at which `day` begins in London."""
    return pl.select(
        pl.lit(dt.datetime(day.year, day.month, day.day))
        .dt.replace_time_zone(LONDON)
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    ).item()
