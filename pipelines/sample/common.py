"""Shared helpers for the synthetic extract generators (`vawg sample`).

Every source generator (MPS crimes, CPS finalisations, Havens, ...) uses the same pieces:

* **Quarters.** A calendar quarter is handled as an integer *ordinal* ``year * 4 + (month - 1) // 3``
  (vectorisable with numpy) and named by its first month (``2009-04``) in file names.
  :func:`quarters_overlapping` gives the quarters of a ``--start``/``--end`` month range.
* **Dates** are int32 day numbers since 1970-01-01 (numpy ``datetime64[D]`` compatible); timestamps
  are int64 seconds since 1970-01-01 *London local wall time* (no zone).
* **Randomness.** :func:`derive_rng` gives an independent ``numpy.random.Generator(PCG64)`` for
  (seed, stream, ...) keys. String keys are hashed with CRC-32 (never Python's salted ``hash``), so
  the same arguments always give the same numbers, whatever the process or platform.
* **Messy CSV.** Agencies export from Excel, so the files carry the mess described in
  ``extracts.md`` (BOM, Windows-1252, CRLF, blank lines, shuffled columns, varying header case,
  several date and timestamp formats, lower-case codes, stray spaces).  :func:`choose_style`
  draws a :class:`CsvStyle` per file and :func:`format_dates`, :func:`format_timestamps`,
  :func:`apply_cell_mess` and :func:`write_messy_csv` apply it.  Nothing here makes a valid value
  invalid: every variation is one the spec says the loader must accept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import polars as pl

#: Stand-in for "never" in arrays of quarter ordinals.
NEVER = 1_000_000
#: Stand-in for a blank date in arrays of day numbers (any day number below -10**7 is blank).
NO_DAY = -(10**9)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_EPOCH = dt.date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


# --------------------------------------------------------------------------------------------
# Months, quarters, financial years
# --------------------------------------------------------------------------------------------
def parse_month(text: str) -> tuple[int, int]:
    """``'2009-04'`` -> ``(2009, 4)``; raises ``ValueError`` on anything else."""
    m = _MONTH_RE.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def quarter_ordinal(year: int, month: int) -> int:
    return year * 4 + (month - 1) // 3


def quarter_name(q: int) -> str:
    """Quarter ordinal -> ``'YYYY-MM'`` (first month of the quarter)."""
    return f"{q // 4:04d}-{(q % 4) * 3 + 1:02d}"


def quarter_start_date(q: int) -> dt.date:
    return dt.date(q // 4, (q % 4) * 3 + 1, 1)


def quarter_end_date(q: int) -> dt.date:
    return quarter_start_date(q + 1) - dt.timedelta(days=1)


def quarters_overlapping(start: str, end: str) -> list[int]:
    """Ordinals of every calendar quarter overlapping the months ``start``..``end`` (inclusive)."""
    q0 = quarter_ordinal(*parse_month(start))
    q1 = quarter_ordinal(*parse_month(end))
    if q1 < q0 or parse_month(end) < parse_month(start):
        raise ValueError(f"end month {end} is before start month {start}")
    return list(range(q0, q1 + 1))


def fy_of_quarter(q: int) -> int:
    """Financial year (by its starting calendar year) of a quarter ordinal: Jan-Mar belong to year-1."""
    return q // 4 if q % 4 else q // 4 - 1


def fy_quarters(fy: int) -> list[int]:
    """The four quarter ordinals (Apr, Jul, Oct, Jan) of the financial year starting in ``fy``."""
    first = fy * 4 + 1
    return [first, first + 1, first + 2, first + 3]


# --------------------------------------------------------------------------------------------
# Day numbers (vectorised)
# --------------------------------------------------------------------------------------------
def day_number(d: dt.date) -> int:
    return (d - _EPOCH).days


def date_of_day(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def month_index_start_days(month_index: np.ndarray) -> np.ndarray:
    """Absolute month index (``year*12 + month-1``) -> day number of the 1st of that month."""
    mi = np.asarray(month_index, dtype=np.int64) - 1970 * 12
    return mi.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def days_to_month_index(days: np.ndarray) -> np.ndarray:
    """Day numbers -> absolute month index ``year*12 + month-1``."""
    m = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return m.astype(np.int64) + 1970 * 12


def days_to_quarter(days: np.ndarray) -> np.ndarray:
    """Day numbers -> quarter ordinals."""
    mi = days_to_month_index(days)
    return (mi // 12) * 4 + (mi % 12) // 3


def quarter_start_days(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.int64)
    return month_index_start_days((q // 4) * 12 + (q % 4) * 3)


def quarter_end_days(q: np.ndarray) -> np.ndarray:
    return quarter_start_days(np.asarray(q, dtype=np.int64) + 1) - 1


# --------------------------------------------------------------------------------------------
# Randomness and rounding
# --------------------------------------------------------------------------------------------
def _key_int(key: int | str) -> int:
    if isinstance(key, (int, np.integer)):
        if key < 0:
            raise ValueError("rng keys must be non-negative")
        return int(key)
    return zlib.crc32(str(key).encode("utf-8"))


def derive_rng(seed: int, *keys: int | str) -> np.random.Generator:
    """Independent, reproducible ``Generator(PCG64)`` for ``(seed, *keys)``.

    ``derive_rng(1, 'mps_crimes', 'records', 2009)`` always gives the same stream; changing any key
    gives an unrelated one.
    """
    entropy = [_key_int(seed)] + [_key_int(k) for k in keys]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def round_half_up(x) -> np.ndarray | int:
    """Round half away from zero for non-negative values (``2.5 -> 3``), unlike Python's round."""
    arr = np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)
    return int(arr) if arr.ndim == 0 else arr


def scaled(count: float, scale: float) -> int:
    """A target count at ``scale``: ``round_half_up(count * scale)``."""
    return int(round_half_up(count * scale))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (Hamilton method, stable ties)."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    if total <= 0 or w.sum() <= 0:
        return np.zeros(w.shape, dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    if short:
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:short]] += 1
    return base


def draw_categorical(rng: np.random.Generator, probs: np.ndarray, n: int | None = None) -> np.ndarray:
    """Vectorised categorical draws.

    ``probs`` is either one probability vector (then ``n`` draws) or a matrix with one row per
    draw. Returns category indices (int64).
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 1:
        cum = np.cumsum(p / p.sum())
        u = rng.random(n)
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(p.shape[0])
    return np.minimum((u[:, None] >= cum).sum(axis=1), p.shape[1] - 1)


# --------------------------------------------------------------------------------------------
# Messy CSV (Excel exports)
# --------------------------------------------------------------------------------------------
DATE_STYLES = ("dmy", "dmy_short", "iso", "mixed", "dmy_midnight", "iso_midnight")
TIMESTAMP_STYLES = ("iso_t", "iso_space", "dmy_hm", "dmy_hms", "iso_offset", "iso_t_minutes")
HEADER_STYLES = ("lower", "title", "upper", "padded")


@dataclass(frozen=True)
class CsvStyle:
    """How one exported file looks. Every option is something the loader must accept."""

    encoding: str = "utf-8"  # 'utf-8', 'utf-8-sig' (BOM) or 'cp1252'
    newline: str = "\n"  # '\n' or '\r\n'
    date_style: str = "iso"  # one of DATE_STYLES ('mixed' varies row by row)
    timestamp_style: str = "iso_t"  # one of TIMESTAMP_STYLES
    header_style: str = "lower"  # one of HEADER_STYLES
    shuffle_columns: bool = False
    quote_all: bool = False
    lower_code_rate: float = 0.0  # share of rows whose code values are written in lower case
    pad_rate: float = 0.0  # share of non-blank cells with a stray space before/after
    blank_lines: int = 0  # wholly blank lines scattered in the file
    float_integers: bool = False  # integers written as Excel floats ('34.0')
    blank_for_no: bool = False  # Y/N flags: 'N' exported as an empty cell (blank = N)
    row_order: str = "last_modified"  # 'last_modified', 'key' or 'random'
    variant: bool = False  # free per-source switch (e.g. MPS writes '4.1' for '4/1')


def choose_style(rng: np.random.Generator, clean: bool = False) -> CsvStyle:
    """Draw the export quirks of one file. ``clean=True`` gives a tidy UTF-8 ISO file."""
    if clean:
        return CsvStyle()

    def pick(options, probs):
        return options[int(draw_categorical(rng, np.asarray(probs), 1)[0])]

    messy_cells = rng.random() < 0.35
    return CsvStyle(
        encoding=pick(("utf-8", "utf-8-sig", "cp1252"), (0.45, 0.30, 0.25)),
        newline=pick(("\n", "\r\n"), (0.5, 0.5)),
        date_style=pick(DATE_STYLES, (0.30, 0.15, 0.25, 0.15, 0.10, 0.05)),
        timestamp_style=pick(TIMESTAMP_STYLES, (0.30, 0.15, 0.20, 0.15, 0.10, 0.10)),
        header_style=pick(HEADER_STYLES, (0.55, 0.25, 0.10, 0.10)),
        shuffle_columns=bool(rng.random() < 0.25),
        quote_all=bool(rng.random() < 0.15),
        lower_code_rate=float(rng.uniform(0.02, 0.10)) if messy_cells else 0.0,
        pad_rate=float(rng.uniform(0.005, 0.03)) if rng.random() < 0.35 else 0.0,
        blank_lines=int(rng.integers(1, 6)) if rng.random() < 0.3 else 0,
        float_integers=bool(rng.random() < 0.12),
        blank_for_no=bool(rng.random() < 0.2),
        row_order=pick(("last_modified", "key", "random"), (0.5, 0.35, 0.15)),
        variant=bool(rng.random() < 0.5),
    )


_DATE_FORMATS = {
    "dmy": "%d/%m/%Y",
    "dmy_short": "%-d/%-m/%Y",
    "iso": "%Y-%m-%d",
    "dmy_midnight": "%d/%m/%Y 00:00",
    "iso_midnight": "%Y-%m-%d 00:00:00",
}
_TIMESTAMP_FORMATS = {
    "iso_t": "%Y-%m-%dT%H:%M:%S",
    "iso_space": "%Y-%m-%d %H:%M:%S",
    "dmy_hm": "%d/%m/%Y %H:%M",
    "dmy_hms": "%d/%m/%Y %H:%M:%S",
    "iso_t_minutes": "%Y-%m-%dT%H:%M",
}


def days_to_date_series(days: np.ndarray, name: str = "d") -> pl.Series:
    """Int day numbers (``NO_DAY`` = blank) -> polars Date series with nulls."""
    d = np.asarray(days, dtype=np.int64)
    s = pl.Series(name, d, dtype=pl.Int64)
    s = pl.select(pl.when(s > -(10**7)).then(s).otherwise(None)).to_series()
    return s.cast(pl.Int32).cast(pl.Date).alias(name)


def format_dates(
    days: np.ndarray, style: CsvStyle, rng: np.random.Generator, blank: np.ndarray | None = None
) -> pl.Series:
    """Day numbers -> text in the file's date style; ``blank`` (bool mask) or ``NO_DAY`` -> ''."""
    d = np.asarray(days, dtype=np.int64).copy()
    if blank is not None:
        d[np.asarray(blank, dtype=bool)] = NO_DAY
    s = days_to_date_series(d)
    if style.date_style == "mixed":
        choice = rng.integers(0, 3, len(d))
        out = pl.select(
            pl.when(pl.lit(pl.Series(choice)) == 0)
            .then(s.dt.strftime(_DATE_FORMATS["dmy"]))
            .when(pl.lit(pl.Series(choice)) == 1)
            .then(s.dt.strftime(_DATE_FORMATS["dmy_short"]))
            .otherwise(s.dt.strftime(_DATE_FORMATS["iso"]))
        ).to_series()
    else:
        out = s.dt.strftime(_DATE_FORMATS[style.date_style])
    return out.fill_null("")


def format_timestamps(seconds: np.ndarray, style: CsvStyle) -> pl.Series:
    """Int seconds since 1970 (London wall time) -> text in the file's timestamp style."""
    us = pl.Series("t", np.asarray(seconds, dtype=np.int64) * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us"))
    if style.timestamp_style == "iso_offset":
        zoned = us.dt.replace_time_zone("Europe/London", ambiguous="earliest", non_existent="null")
        return zoned.dt.strftime("%Y-%m-%dT%H:%M:%S%:z").fill_null("")
    return us.dt.strftime(_TIMESTAMP_FORMATS[style.timestamp_style]).fill_null("")


def format_integers(values: np.ndarray, style: CsvStyle, blank_below: int = 0) -> pl.Series:
    """Integers (``< blank_below`` = blank) -> text; Excel-float style ('34.0') if the file has it."""
    v = np.asarray(values, dtype=np.int64)
    s = pl.Series("i", v, dtype=pl.Int64).cast(pl.Utf8)
    if style.float_integers:
        s = s + ".0"
    return pl.select(pl.when(pl.lit(pl.Series(v)) >= blank_below).then(s).otherwise(pl.lit(""))).to_series()


def header_names(columns: Sequence[str], style: CsvStyle) -> list[str]:
    if style.header_style == "title":
        return ["_".join(p.capitalize() for p in c.split("_")) for c in columns]
    if style.header_style == "upper":
        return [c.upper() for c in columns]
    if style.header_style == "padded":
        return [f" {c} " if i % 3 == 0 else c for i, c in enumerate(columns)]
    return list(columns)


def apply_cell_mess(
    frame: pl.DataFrame,
    style: CsvStyle,
    rng: np.random.Generator,
    code_columns: Sequence[str] = (),
    pad_columns: Sequence[str] = (),
) -> pl.DataFrame:
    """Lower-case code values in some rows and put stray spaces around some non-blank cells."""
    n = frame.height
    exprs = []
    if style.lower_code_rate > 0 and code_columns and n:
        low = pl.Series(rng.random(n) < style.lower_code_rate)
        exprs += [
            pl.when(pl.lit(low)).then(pl.col(c).str.to_lowercase()).otherwise(pl.col(c)).alias(c) for c in code_columns
        ]
    if exprs:
        frame = frame.with_columns(exprs)
    exprs = []
    if style.pad_rate > 0 and pad_columns and n:
        for c in pad_columns:
            u = rng.random(n)
            before = pl.Series(u < style.pad_rate / 2)
            after = pl.Series((u >= style.pad_rate / 2) & (u < style.pad_rate))
            col = pl.col(c)
            exprs.append(
                pl.when((col != "") & pl.lit(before))
                .then(pl.lit(" ") + col)
                .when((col != "") & pl.lit(after))
                .then(col + pl.lit("  "))
                .otherwise(col)
                .alias(c)
            )
        frame = frame.with_columns(exprs)
    return frame


def _quoted(column: str, quote_all: bool) -> pl.Expr:
    """A column as CSV field text, quoted exactly as ``csv.writer`` quotes it."""
    c = pl.col(column).fill_null("")
    q = pl.lit('"') + c.str.replace_all('"', '""', literal=True) + pl.lit('"')
    if quote_all:
        return q
    return pl.when(c.str.contains(r'[,"\r\n]')).then(q).otherwise(c)


def csv_lines(frame: pl.DataFrame, quote_all: bool = False) -> list[str]:
    """Data lines (without terminators) of a frame of text columns, byte-for-byte what
    ``csv.writer(quoting=QUOTE_ALL if quote_all else QUOTE_MINIMAL, lineterminator='\\r\\n')``
    writes for rows of two or more fields, but vectorised (the csv module is slow on millions of
    rows). A field holding a comma, a quote, CR or LF is quoted whatever the line ends
    (Python 3.11's csv leaves a lone CR unquoted in a LF file, which no reader can read back)."""
    if frame.height == 0:
        return []
    if frame.width == 1:  # csv quotes a lone empty field: leave that corner to the csv module
        out = []
        for row in frame.iter_rows():
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerow(row)
            out.append(buf.getvalue())
        return out
    exprs = [_quoted(c, quote_all) for c in frame.columns]
    return frame.select(pl.concat_str(exprs, separator=",").alias("line")).to_series().to_list()


def write_messy_csv(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]] | pl.DataFrame,
    style: CsvStyle,
    rng: np.random.Generator,
) -> Path:
    """Write a header and rows in the file's encoding, line ends, column order, quoting and
    header case, with ``style.blank_lines`` wholly blank lines scattered in.

    ``columns`` are the canonical (spec) names, in the order of the values in ``rows``. The header
    is written with Python's csv module; rows with :func:`csv_lines` (identical quoting).
    """
    columns = list(columns)
    if isinstance(rows, pl.DataFrame):
        frame = rows
    else:
        data = [list(r) for r in rows]
        frame = pl.DataFrame(data, schema={c: pl.Utf8 for c in columns}, orient="row")
    order = list(range(len(columns)))
    if style.shuffle_columns:
        order = [int(i) for i in rng.permutation(len(columns))]
    out_cols = [columns[i] for i in order]
    frame = frame.select(out_cols)
    quoting = csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL

    head = io.StringIO(newline="")
    csv.writer(head, lineterminator=style.newline, quoting=quoting).writerow(header_names(out_cols, style))
    lines = csv_lines(frame, style.quote_all)
    n = len(lines)
    if style.blank_lines and n:
        cuts = sorted((int(c) for c in rng.integers(1, n + 1, style.blank_lines)), reverse=True)
        for cut in cuts:
            lines.insert(cut, "")
    text = head.getvalue() + (style.newline.join(lines) + style.newline if lines else "")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(style.encoding))
    return path
