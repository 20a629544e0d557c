"""`fmu_cases`: Forced Marriage Unit cases opened, UK-wide (extracts.md, section 4).

The FMU sends an `.xlsx` workbook (a `.csv` is accepted too) whose first sheet has
spreadsheet-style headings. The module follows the contract of `schemas.mps_crimes`, with
one difference of naming: `COLUMNS` are the listed columns as the spec spells them (the
headings, `Case Reference`), which is how `pipelines.landing.read` names them and how the
quarantine of a file reports them (`column_name`, the keys of `raw_record`, the warnings),
while the accepted rows (`OUTPUT`) use snake-case names (`case_reference`) in the same order
(so a row quarantined across files, which only has its accepted values, shows those names).
In the staged frame the headings hold the raw strings (`raw(c)` is `c` itself) and the
snake-case names the typed values.

Quarantine rules, in precedence order (`column_name` in the quarantine says which column):

- `ragged_row`: a CSV row has more or fewer fields than the header (set by the reader; a
  workbook has none).
- `duplicate_key`: the `Case Reference` appears on more than one row of the file; every
  such row is quarantined, since no row can be told to be the right one.
- `required_missing`: `Case Reference` or `Date Opened` is blank.
- `invalid_date`: `Date Opened` is neither an Excel date cell nor a date of a form in
  extracts.md (an impossible calendar date such as 31/02/2012 included).
- `date_out_of_range`: `Date Opened` is before 1900.
- `date_outside_quarter`: `Date Opened` (from 1900) is before the first or after the last
  day of the file's quarter.
- `duplicate_key_across_files` (across files, `cross_file_failures`): the
  `Case Reference` is in the current accepted file of an earlier quarter; the earlier row
  is kept and the later one quarantined. References are compared as written, after
  trimming.

Values and their types in the accepted rows (codes are matched case-insensitively after
trimming; each becomes an upper snake-case value):

- `case_reference` (text, trimmed), `date_opened` (Date).
- `uk_region`: `London` -> `LONDON`, `South East` -> `SOUTH_EAST`, ... `Yorkshire and the
  Humber` -> `YORKSHIRE_AND_THE_HUMBER`, `Northern Ireland` -> `NORTHERN_IRELAND`,
  `Unknown` -> `UNKNOWN` (the 13 values of `REGIONS`).
- `gender`: `FEMALE`, `MALE`, `UNKNOWN`.
- `age_band`: `Under 16` -> `UNDER_16`, `16-17`, `18-21`, `22-25`, `26-30`, `31-40`, `41+`,
  `UNKNOWN`.
- `focus_country`: the country as the FMU wrote it, trimmed (`Unknown` is kept as written).
- `disability`, `lgbt`: `YES`, `NO`, `UNKNOWN`.
- `case_type`: `Advice` -> `ADVICE`, `Support` -> `SUPPORT`, `Overseas assistance` ->
  `OVERSEAS_ASSISTANCE`.
- Every column but the two required ones is optional: a blank or invalid value becomes
  null ("unknown") and the row is kept.

Warnings count, per optional column (under its heading), the accepted rows whose value is
unknown because it is blank or invalid. A written `Unknown` is a value, not a warning.
"""

from __future__ import annotations

from functools import lru_cache

import pandera.polars as pa
import polars as pl

from schemas import parsing as P
from schemas.checks import rule_schema
from schemas.havens_attendances import key_repeats_earlier_file

SOURCE = "fmu_cases"

# The raw column whose value (ignoring case) puts together every row a rule of this file
# compares: the `Case Reference`. A large file is validated in groups of rows split by it
# (pipelines/landing/partitioned.py).
PARTITION_KEY = "Case Reference"

RULES: tuple[str, ...] = (
    "ragged_row",
    "duplicate_key",
    "required_missing",
    "invalid_date",
    "date_out_of_range",
    "date_outside_quarter",
    "duplicate_key_across_files",
)

# The accepted rows' columns and types (the spec's columns in the spec's order).
OUTPUT: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "case_reference": pl.Utf8(),
    "date_opened": pl.Date(),
    "uk_region": pl.Utf8(),
    "gender": pl.Utf8(),
    "age_band": pl.Utf8(),
    "focus_country": pl.Utf8(),
    "disability": pl.Utf8(),
    "lgbt": pl.Utf8(),
    "case_type": pl.Utf8(),
}
# The listed columns as the spec (and its entry in `pipelines.sources`) spells them.
COLUMNS: tuple[str, ...] = (
    "Case Reference",
    "Date Opened",
    "UK Region",
    "Gender",
    "Age Band",
    "Focus Country",
    "Disability",
    "LGBT",
    "Case Type",
)
# Listed column -> accepted column.
NAMES: dict[str, str] = dict(zip(COLUMNS, (c for c in OUTPUT if c != "row_number")))

KEY = "Case Reference"
REQUIRED = ("Case Reference", "Date Opened")
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED)


def _labels(*labels: str) -> dict[str, str]:
    """Spec label -> value: `Yorkshire and the Humber` -> `YORKSHIRE_AND_THE_HUMBER`."""
    return {label: label.upper().replace(" ", "_") for label in labels}


REGIONS = _labels("London", "South East", "South West", "East of England", "East Midlands",
                  "West Midlands", "Yorkshire and the Humber", "North West", "North East",
                  "Wales", "Scotland", "Northern Ireland", "Unknown")  # fmt: skip  # continued lines aligned under the opening bracket
GENDERS = _labels("Female", "Male", "Unknown")
AGE_BANDS = _labels("Under 16", "16-17", "18-21", "22-25", "26-30", "31-40", "41+", "Unknown")
YES_NO = _labels("Yes", "No", "Unknown")
CASE_TYPES = _labels("Advice", "Support", "Overseas assistance")

CODE_LISTS: dict[str, dict[str, str]] = {
    "UK Region": REGIONS,
    "Gender": GENDERS,
    "Age Band": AGE_BANDS,
    "Disability": YES_NO,
    "LGBT": YES_NO,
    "Case Type": CASE_TYPES,
}


def raw(column: str) -> str:
    """Name of the raw string column in the staged frame: the listed column itself (the
    typed value is under its snake-case name, `NAMES[column]`)."""
    return column


def parsed(column: str) -> str:
    """Name of a date parsed for its form only (before the range checks)."""
    return f"{NAMES[column]}__parsed"


# ---------------------------------------------------------------------- staging


def labelled(value: pl.Expr, labels: dict[str, str]) -> pl.Expr:
    """The value of a spec label, matched ignoring case; null when blank or unknown."""
    return P.code(value).replace_strict(
        [k.upper() for k in labels], list(labels.values()), default=None,
        return_dtype=pl.Utf8,
    )  # fmt: skip  # several items to a line, grouped as they read


def stage(data: pl.DataFrame, quarter: str) -> pl.DataFrame:
    """The frame pandera checks: row_number, each listed column's raw string under its
    heading (as `read_raw` gives it: trimmed, blank = null), its typed value under the
    snake-case name (null when blank or invalid) and `date_opened__parsed`."""
    start, end = P.quarter_bounds(quarter)
    date = parsed("Date Opened")
    typed = {
        "case_reference": pl.col("Case Reference"),
        "focus_country": pl.col("Focus Country"),
        **{NAMES[c]: labelled(pl.col(c), labels) for c, labels in CODE_LISTS.items()},
    }
    return (
        data.lazy()
        .with_columns(
            *(e.alias(c) for c, e in typed.items()),
            P.date(pl.col("Date Opened")).alias(date),
        )
        .with_columns(P.in_range(pl.col(date), start, end).alias("date_opened"))
        .select("row_number", *COLUMNS, *NAMES.values(), date)
        .collect()
    )


def allowed_codes() -> dict[str, tuple[str, ...]]:
    """Each coded column's allowed values as the extract writes them (matched ignoring case),
    from the same lists `stage` reads: the reference docs (`vawg generate`) list them."""
    return {column: tuple(labels) for column, labels in CODE_LISTS.items()}


# ----------------------------------------------------------------------- schema


def _blank(c: str) -> pl.Expr:
    return pl.col(raw(c)).is_null()  # `read_raw` gives blanks as null


def _invalid(c: str) -> pl.Expr:
    """Written, but not a valid value (typed value is null)."""
    return ~_blank(c) & pl.col(NAMES[c]).is_null()


def _rules() -> list[tuple[str, str, pl.Expr]]:
    """(rule, column reported, violation) for every row rule of section 4."""
    key = pl.col(NAMES[KEY])
    date = pl.col(parsed("Date Opened"))
    return [
        ("duplicate_key", KEY, key.is_not_null() & key.is_duplicated()),
        *(("required_missing", c, _blank(c)) for c in REQUIRED),
        ("invalid_date", "Date Opened", ~_blank("Date Opened") & date.is_null()),
        ("date_out_of_range", "Date Opened", date < P.EARLIEST_DATE),
        ("date_outside_quarter", "Date Opened",
         (date >= P.EARLIEST_DATE) & pl.col("date_opened").is_null()),
    ]  # fmt: skip  # one row per line, as a table


@lru_cache(maxsize=64)
def schema(quarter: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged file of `quarter` (the quarter's bounds only enter
    through `stage`, so one schema serves every quarter). The rules hang on the listed
    columns (raw strings) so that the quarantine names the column as the spec does; the
    typed columns are checked for their type."""
    del quarter
    return rule_schema(
        SOURCE,
        COLUMNS,
        dict.fromkeys(COLUMNS, pl.Utf8),
        _rules(),
        RULES,
        typed={NAMES[c]: OUTPUT[NAMES[c]] for c in COLUMNS},
    )


# Per optional column (by heading): the accepted row's value is unknown.
WARNINGS: dict[str, pl.Expr] = {c: _blank(c) | _invalid(c) for c in OPTIONAL}


# ---------------------------------------------------------------- across files


# The columns `cross_file_failures` reads: only these are assembled from every quarter's file.
CROSS_FILE_COLUMNS = (NAMES[KEY],)


def cross_file_failures(rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The accepted rows to quarantine as `duplicate_key_across_files`: a
    `case_reference` repeating one of an earlier quarter's file. `rows`: the accepted
    rows (`OUTPUT` columns) of the current file of every quarter, with `quarter` and
    `file_sha256`."""
    return key_repeats_earlier_file(rows, NAMES[KEY], name=SOURCE)
