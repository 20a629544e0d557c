"""The exact bytes of the Panel's published dataset (interfaces.md, "The Panel's dataset").

Input: a polars DataFrame holding (at least) ``COLUMNS``, already after disclosure control:

- text columns (ids, names, codes, ``period``, ``breakdown*``, ``unit``, ``comparison``,
  ``note``): ``pl.String`` (Categorical/Enum/Null are accepted and cast);
- ``period_start``, ``period_end``: ``pl.Date`` (ISO ``YYYY-MM-DD`` strings or Datetime accepted);
- ``numerator``, ``denominator``, ``value``, ``ci_lower``, ``ci_upper``: any numeric dtype,
  unrounded; null or NaN means blank (±inf is an error);
- ``suppressed``: ``pl.Boolean``, no nulls;
- ``unit``: one of ``DECIMALS``.

Extra columns are ignored. Both writers round (``round_for_publication``, which is
idempotent, so a frame already rounded gives the same bytes), sort by ``SORT_KEYS`` in
byte order and refuse duplicate keys, so the same data always give the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.indicators.spec import GRID_KEY

#: The key of a Panel row across vintages (interfaces.md, `marts.indicator_revisions`).
REVISION_KEY = [
    "indicator_id",
    "category",
    "period_type",
    "period",
    "geography_type",
    "geography_code",
    "breakdown",
    "breakdown_value",
]

COLUMNS = [
    "indicator_id", "indicator_name", "category", "period_type", "period", "period_start",
    "period_end", "geography_type", "geography_code", "geography_name", "breakdown",
    "breakdown_value", "numerator", "denominator", "value", "unit", "ci_lower", "ci_upper",
    "comparison", "suppressed", "note",
]  # fmt: skip  # several items to a line, grouped as they read
SORT_KEYS = ["indicator_id", *GRID_KEY]
DATE_COLUMNS = ["period_start", "period_end"]
COUNT_COLUMNS = ["numerator", "denominator"]  # counts and populations: integers
STAT_COLUMNS = ["value", "ci_lower", "ci_upper"]  # decimals of the row's unit
TEXT_COLUMNS = [c for c in COLUMNS if c not in {*DATE_COLUMNS, *COUNT_COLUMNS, *STAT_COLUMNS, "suppressed"}]

#: Published decimal places by unit (indicators.md, "Statistics").
DECIMALS = {"count": 0, "percent": 1, "percent_change": 1, "per_1000": 2, "ratio": 2}

# A value within this relative distance below a rounding tie counts as the tie. Values are
# binary floats computed from counts, so an exact decimal tie such as 2.675 or 1.125 × a
# few operations usually lands an ulp or so (~1e-16) below it; 1e-12 absorbs that with a
# wide margin yet is far below any real difference between two published ratios of counts.
# Rounding the float's own exact binary value (Python's round, numpy's) would publish
# 2.675 as 2.67; this publishes 2.68, as a person with a calculator (or Excel) expects.
# The nudge is capped (in units of the last published digit) so that it can never reach
# a neighbouring tie, however large the number.
TIE_TOLERANCE = 1e-12
MAX_NUDGE = 1e-6

ARROW_SCHEMA = pa.schema(
    [
        pa.field(c, pa.date32() if c in DATE_COLUMNS else pa.int64() if c in COUNT_COLUMNS
                 else pa.float64() if c in STAT_COLUMNS else pa.bool_() if c == "suppressed"
                 else pa.string())
        for c in COLUMNS
    ]
)  # fmt: skip  # continued lines aligned under the opening bracket


def _scaled_integer(column: str, scale: pl.Expr) -> pl.Expr:
    """column × scale rounded half away from zero, as Int64 (null stays null)."""
    x = pl.col(column)
    scaled = x.abs() * scale
    nudge = pl.min_horizontal(scaled * TIE_TOLERANCE, pl.lit(MAX_NUDGE))
    magnitude = (scaled + nudge + 0.5).floor()
    # Multiplying by the sign of x (not of the result) gives -0 → 0, never "-0.0".
    return (magnitude * x.sign()).cast(pl.Int64)


def _scale() -> pl.Expr:
    """10^decimals of each row's unit, as an integer."""
    return pl.col("unit").replace_strict({u: 10**d for u, d in DECIMALS.items()}, return_dtype=pl.Int64)


def _check_units(df: pl.DataFrame) -> None:
    units = df.get_column("unit")
    unknown = sorted(set(units.drop_nulls().unique().to_list()) - DECIMALS.keys())
    if units.null_count() or unknown:
        raise ValueError(f"dataset has rows with an unknown or blank unit: {unknown or [None]}")


def _clean_numbers(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Numbers as Float64 with NaN as null (the statistics give NaN for 'blank')."""
    df = df.with_columns(pl.col(c).cast(pl.Float64).fill_nan(None) for c in columns)
    infinite = [c for c in columns if df.get_column(c).is_infinite().any()]
    if infinite:
        raise ValueError(f"dataset column(s) {infinite} hold infinite values")
    return df


def round_for_publication(df: pl.DataFrame) -> pl.DataFrame:
    """Round as published: value and limits half away from zero to the unit's decimals
    (``percent``, ``percent_change`` 1; ``per_1000``, ``ratio`` 2; ``count`` 0), numerator
    and denominator to Int64. Returns value/ci as Float64 holding the nearest float to the
    published decimal (e.g. 2.68), NaN turned into null; other columns untouched."""
    _check_units(df)
    present = [c for c in COUNT_COLUMNS + STAT_COLUMNS if c in df.columns]
    df = _clean_numbers(df, present)
    k = df.with_columns(_scale().alias("__scale")).select(
        *(_scaled_integer(c, pl.lit(1)) for c in COUNT_COLUMNS if c in present),
        *(_scaled_integer(c, pl.col("__scale")) for c in STAT_COLUMNS if c in present),
        pl.col("__scale").cast(pl.Float64),
    )
    # Dividing the integer by 10^d (not multiplying by 0.1) gives the float nearest the
    # decimal, so it prints and compares as the published figure. Done on eager Series:
    # the lazy optimiser may turn a division by a constant into a multiplication.
    scale = k.get_column("__scale")
    return df.with_columns(
        *(k.get_column(c) for c in COUNT_COLUMNS if c in present),
        *(k.get_column(c).cast(pl.Float64) / scale for c in STAT_COLUMNS if c in present),
    )


def _prepare(df: pl.DataFrame) -> pl.DataFrame:
    """The published columns, typed, unrounded, NaN and "" as null, sorted by SORT_KEYS in byte order."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"dataset is missing column(s) {missing}")
    df = df.select(COLUMNS)
    df = df.with_columns(
        # An empty string is blank like null; one form keeps CSV and Parquet alike.
        *(pl.col(c).cast(pl.String).replace("", None) for c in TEXT_COLUMNS),
        *(
            pl.col(c).str.to_date("%Y-%m-%d", strict=True) if df.schema[c] == pl.String
            else pl.col(c).dt.date() if isinstance(df.schema[c], pl.Datetime)
            else pl.col(c).cast(pl.Date)
            for c in DATE_COLUMNS
        ),
        pl.col("suppressed").cast(pl.Boolean),
    )  # fmt: skip  # continued lines aligned under the opening bracket
    if df.get_column("suppressed").null_count():
        raise ValueError("dataset has rows with a blank 'suppressed' flag")
    _check_units(df)
    df = _clean_numbers(df, COUNT_COLUMNS + STAT_COLUMNS)
    duplicated = df.select(SORT_KEYS).is_duplicated()
    if duplicated.any():
        first = df.filter(duplicated).row(0, named=True)
        raise ValueError(f"dataset has more than one row for the key {[first[k] for k in SORT_KEYS]}")
    # Polars compares strings as UTF-8 bytes (Rust's str ordering), never by locale; with
    # unique keys the order is total, so the output does not depend on the input order.
    return df.sort(SORT_KEYS, nulls_last=True)


def _fixed(k: pl.Expr, scale: pl.Expr) -> pl.Expr:
    """Text of the integer k / scale (scale = 10^d) with exactly d decimals.

    Built from integers, never by printing a float, so 2.68 cannot come out as 2.67 or
    2.6800000000000002; one expression for every row's d, without branches per unit."""
    sign = pl.when(k < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (k.abs() // scale).cast(pl.String)
    # (fraction + 10^d) as text is "1" then the d zero-padded digits; drop the "1".
    fraction = (k.abs() % scale + scale).cast(pl.String).str.slice(1)
    point = pl.when(scale > 1).then(pl.lit(".")).otherwise(pl.lit(""))
    return pl.concat_str([sign, whole, point, fraction])


def _text_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Every published column as its CSV text; null for blank."""
    return _text_of_prepared(_prepare(df))


def _text_of_prepared(df: pl.DataFrame) -> pl.DataFrame:
    """``_text_columns`` of a frame ``_prepare`` gave (sorting a million rows again is seconds)."""
    # Materialise the scaled integers first: used several times inside one expression
    # they would be recomputed each time.
    df = df.with_columns(_scale().alias("__scale")).with_columns(
        *(_scaled_integer(c, pl.lit(1)) for c in COUNT_COLUMNS),
        *(_scaled_integer(c, pl.col("__scale")) for c in STAT_COLUMNS),
    )
    return df.select(
        *(pl.col(c) for c in TEXT_COLUMNS),
        *(pl.col(c).dt.strftime("%Y-%m-%d") for c in DATE_COLUMNS),
        *(pl.col(c).cast(pl.String) for c in COUNT_COLUMNS),
        *(_fixed(pl.col(c), pl.col("__scale")).alias(c) for c in STAT_COLUMNS),
        pl.when(pl.col("suppressed")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("suppressed"),
    ).select(COLUMNS)  # no empty strings here (see _prepare): polars would write "" for one


def csv_text(df: pl.DataFrame) -> str:
    """The published CSV as text (what ``write_indicators_csv`` writes, UTF-8 encoded).

    RFC 4180 minimal quoting: a field is quoted only when it holds a comma, a double quote
    (doubled inside), CR or LF; every record, the last included, ends with LF."""
    return _csv_of_text(_text_columns(df))


def _csv_of_text(text: pl.DataFrame) -> str:
    return text.write_csv(
        include_bom=False, include_header=True, separator=",", line_terminator="\n",
        quote_char='"', quote_style="necessary", null_value="",
    )  # fmt: skip  # several items to a line, grouped as they read


def _write_atomically(path: str | os.PathLike, write) -> None:
    """Write via a temporary file beside ``path`` and rename, so no reader sees half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_indicators_csv(df: pl.DataFrame, path: str | os.PathLike) -> None:
    """Write ``indicators.csv``: UTF-8 without BOM, LF, minimal quoting, blank for null,
    numbers with the unit's decimals, ISO dates, ``true``/``false``, byte-sorted rows."""
    write_csv_of_text(_text_columns(df), path)


def write_csv_of_text(text: pl.DataFrame, path: str | os.PathLike) -> None:
    """``write_indicators_csv`` of the frame ``_text_of_prepared`` gave."""
    data = _csv_of_text(text).encode("utf-8")
    _write_atomically(path, lambda p: p.write_bytes(data))


def write_indicators_parquet(df: pl.DataFrame, path: str | os.PathLike) -> None:
    """Write ``indicators.parquet``: the CSV's rows in the CSV's order, typed by
    ``ARROW_SCHEMA`` (counts int64, value/limits float64 rounded as published, dates
    date32, suppressed bool). Nothing run-dependent is stored (no pandas metadata, no
    timestamps), so the same data and library versions give the same bytes."""
    table = round_for_publication(_prepare(df)).to_arrow().cast(ARROW_SCHEMA)
    table = table.replace_schema_metadata(None)
    _write_atomically(path, lambda p: pq.write_table(table, p, compression="zstd", use_dictionary=True))
