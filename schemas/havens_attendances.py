"""`havens_attendances`: client attendances at the Havens (extracts.md, section 3).

The Havens are London's three Sexual Assault Referral Centres; they are NHS services and
write NHS Data Dictionary codes. One row is one attendance. The module follows the contract
of `schemas.mps_crimes` (`COLUMNS`, `OUTPUT`, `RULES`, `raw`, `stage`, `schema`,
`WARNINGS`), so `pipelines.landing.validate` runs it the same way: pandera, `lazy=True`, and
each failed row is quarantined under the first rule it broke in the order below (ties: the
column that comes first in the spec).

Quarantine rules, in precedence order (`column_name` in the quarantine says which column):

- `ragged_row`: the CSV row has more or fewer fields than the header (set by the reader).
- `duplicate_key`: the `attendance_id` appears on more than one row of the file; every
  such row is quarantined, since no row can be told to be the right one.
- `required_missing`: a required value is blank: `attendance_id`, `attendance_date`,
  `haven`, `assault_type`.
- `invalid_code`: `haven` is not `CAMBERWELL`, `PADDINGTON` or `WHITECHAPEL`;
  `assault_type` is not `RAPE`, `SEXUAL_ASSAULT` or `OTHER`.
- `invalid_date`: `attendance_date` is not a date of a form in extracts.md (an impossible
  calendar date such as 31/02/2012 included).
- `date_out_of_range`: `attendance_date` is before 1900.
- `date_outside_quarter`: `attendance_date` (from 1900) is before the first or after the
  last day of the file's quarter.
- `duplicate_key_across_files` (across files, `cross_file_failures`): the `attendance_id`
  is in the current accepted file of an earlier quarter; the earlier row is kept and the
  later one quarantined. `attendance_id` is compared as written, after trimming.

Values and their types in the accepted rows:

- Text (`attendance_id`, `client_ref`) is trimmed. Codes are matched case-insensitively
  after trimming and upper-cased (`outside_london` -> `OUTSIDE_LONDON`). The numeric NHS
  codes of `client_gender`, `client_ethnicity` and `client_sexuality` are written without
  leading zeros or a zero fraction (`2.0` -> `2`, `099` -> `99`), since spreadsheets pad or
  float numeric codes.
- `acute` and `forensic_exam` are Boolean: `Y` True, `N` False, blank or anything else null
  (not known: unlike the police flags, a blank is not `N`).
- `reported_to_police` keeps `U` (unknown at the time) as a value; null when blank or
  invalid.
- `client_age` is an Int16 in 0-110 (digits, or a number with a zero fraction).
- `residence_borough_code` is a London borough's ONS code (`E09000001`-`E09000033`, the
  City included: residence is not a police area) or `OUTSIDE_LONDON`.
- An optional value that is blank or invalid becomes null ("unknown"): `client_ref`,
  `referral_route`, `acute`, `forensic_exam`, `reported_to_police`, `client_gender`,
  `client_age`, `client_ethnicity`, `client_disability`, `client_sexuality`,
  `residence_borough_code`.

Warnings count, per optional column, the accepted rows whose value is unknown because it
is blank or invalid (no blank states a fact in this source). A valid code that means "not
known" (`U`, `X`, `Z`, `99`, `9`) is a value, not a warning: the indicators show it as
`UNKNOWN`.
"""

from __future__ import annotations

from functools import lru_cache

import pandera.polars as pa
import polars as pl

from pipelines.project_files import SEEDS_DIR
from schemas import parsing as P
from schemas.checks import failed_file_rows, rows_with_key_in_several_quarters, rule, rule_schema

SOURCE = "havens_attendances"
SEEDS = SEEDS_DIR

# The raw column whose value (ignoring case) puts together every row a rule of this file
# compares: the `attendance_id`. A large file is validated in groups of rows split by it
# (pipelines/landing/partitioned.py).
PARTITION_KEY = "attendance_id"

RULES: tuple[str, ...] = (
    "ragged_row",
    "duplicate_key",
    "required_missing",
    "invalid_code",
    "invalid_date",
    "date_out_of_range",
    "date_outside_quarter",
    "duplicate_key_across_files",
)

# The accepted rows' columns and types (the spec's columns in the spec's order).
OUTPUT: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "attendance_id": pl.Utf8(),
    "client_ref": pl.Utf8(),
    "attendance_date": pl.Date(),
    "haven": pl.Utf8(),
    "referral_route": pl.Utf8(),
    "assault_type": pl.Utf8(),
    "acute": pl.Boolean(),
    "forensic_exam": pl.Boolean(),
    "reported_to_police": pl.Utf8(),
    "client_gender": pl.Utf8(),
    "client_age": pl.Int16(),
    "client_ethnicity": pl.Utf8(),
    "client_disability": pl.Utf8(),
    "client_sexuality": pl.Utf8(),
    "residence_borough_code": pl.Utf8(),
}
COLUMNS: tuple[str, ...] = tuple(c for c in OUTPUT if c != "row_number")

KEY = "attendance_id"
REQUIRED = ("attendance_id", "attendance_date", "haven", "assault_type")
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED)

HAVENS = ("CAMBERWELL", "PADDINGTON", "WHITECHAPEL")
REFERRAL_ROUTES = ("POLICE", "SELF", "HEALTH", "OTHER_AGENCY")
ASSAULT_TYPES = ("RAPE", "SEXUAL_ASSAULT", "OTHER")
REPORTED = ("Y", "N", "U")
GENDER = ("1", "2", "9", "X")  # NHS person stated gender
ETHNICITY = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R",
             "S", "Z", "99")  # fmt: skip  # continued lines aligned under the opening bracket
DISABILITY = ("Y", "N", "Z")
SEXUALITY = ("1", "2", "3", "4", "U", "Z", "9")
OUTSIDE_LONDON = "OUTSIDE_LONDON"
AGE_MAX = 110


def raw(column: str) -> str:
    """Name of the raw string column kept beside the typed one while validating."""
    return f"{column}__raw"


def parsed(column: str) -> str:
    """Name of a date parsed for its form only (before the range checks)."""
    return f"{column}__parsed"


@lru_cache(maxsize=1)
def london_boroughs() -> tuple[str, ...]:
    """The 33 London boroughs' ONS codes (`seeds/boroughs.csv`), the City included."""
    boroughs = pl.read_csv(SEEDS / "boroughs.csv", infer_schema=False)
    return tuple(boroughs["borough_code"])


# ---------------------------------------------------------------------- staging


def numeric_code(value: pl.Expr) -> pl.Expr:
    """A code that may be numeric, as written without padding or a zero fraction
    (`02`, `2.0` -> `2`); other codes upper-cased."""
    return P.integer(value).cast(pl.Utf8).fill_null(P.code(value))


def yes_no(value: pl.Expr) -> pl.Expr:
    """`Y`/`N` (any case) -> True/False; blank or anything else null (not known)."""
    c = P.code(value)
    return pl.when(c == "Y").then(True).when(c == "N").then(False)


def stage(data: pl.DataFrame, quarter: str) -> pl.DataFrame:
    """The frame pandera checks: row_number, each column's raw string (`<c>__raw`, as
    `read_raw` gives it: trimmed, blank = null), its typed value (`<c>`, null when blank
    or invalid) and `attendance_date__parsed` (the date read for its form only)."""
    start, end = P.quarter_bounds(quarter)

    def v(c: str) -> pl.Expr:  # the value as read: trimmed, blank = null
        return pl.col(c)

    typed = {
        "attendance_id": v("attendance_id"),
        "client_ref": v("client_ref"),
        "haven": P.one_of(P.code(v("haven")), HAVENS),
        "referral_route": P.one_of(P.code(v("referral_route")), REFERRAL_ROUTES),
        "assault_type": P.one_of(P.code(v("assault_type")), ASSAULT_TYPES),
        "acute": yes_no(v("acute")),
        "forensic_exam": yes_no(v("forensic_exam")),
        "reported_to_police": P.one_of(P.code(v("reported_to_police")), REPORTED),
        "client_gender": P.one_of(numeric_code(v("client_gender")), GENDER),
        "client_age": P.in_range(P.integer(v("client_age")), 0, AGE_MAX).cast(pl.Int16),
        "client_ethnicity": P.one_of(numeric_code(v("client_ethnicity")), ETHNICITY),
        "client_disability": P.one_of(P.code(v("client_disability")), DISABILITY),
        "client_sexuality": P.one_of(numeric_code(v("client_sexuality")), SEXUALITY),
        "residence_borough_code": P.one_of(P.code(v("residence_borough_code")), (*london_boroughs(), OUTSIDE_LONDON)),
    }
    date = parsed("attendance_date")
    return (
        data.lazy()
        .with_columns(
            *(pl.col(c).alias(raw(c)) for c in COLUMNS),
            *(e.alias(c) for c, e in typed.items()),
            P.date(v("attendance_date")).alias(date),
        )
        .with_columns(P.in_range(pl.col(date), start, end).alias("attendance_date"))
        .select("row_number", *(raw(c) for c in COLUMNS), *COLUMNS, date)
        .collect()
    )


def allowed_codes() -> dict[str, tuple[str, ...]]:
    """Each coded column's allowed values as the extract writes them (matched ignoring case),
    from the same lists `stage` reads: the reference docs (`vawg generate`) list them."""
    return {
        "haven": HAVENS,
        "referral_route": REFERRAL_ROUTES,
        "assault_type": ASSAULT_TYPES,
        "acute": ("Y", "N"),
        "forensic_exam": ("Y", "N"),
        "reported_to_police": REPORTED,
        "client_gender": GENDER,
        "client_ethnicity": ETHNICITY,
        "client_disability": DISABILITY,
        "client_sexuality": SEXUALITY,
        "residence_borough_code": (*london_boroughs(), OUTSIDE_LONDON),
    }


# ----------------------------------------------------------------------- schema


def _blank(c: str) -> pl.Expr:
    return pl.col(raw(c)).is_null()  # `read_raw` gives blanks as null


def _invalid(c: str) -> pl.Expr:
    """Written, but not a valid value (typed value is null)."""
    return ~_blank(c) & pl.col(c).is_null()


def _rules() -> list[tuple[str, str, pl.Expr]]:
    """(rule, column reported, violation) for every row rule of section 3."""
    key = pl.col(KEY)
    date = pl.col(parsed("attendance_date"))
    return [
        ("duplicate_key", KEY, key.is_not_null() & key.is_duplicated()),
        *(("required_missing", c, _blank(c)) for c in REQUIRED),
        ("invalid_code", "haven", _invalid("haven")),
        ("invalid_code", "assault_type", _invalid("assault_type")),
        ("invalid_date", "attendance_date", ~_blank("attendance_date") & date.is_null()),
        ("date_out_of_range", "attendance_date", date < P.EARLIEST_DATE),
        ("date_outside_quarter", "attendance_date",
         (date >= P.EARLIEST_DATE) & pl.col("attendance_date").is_null()),
    ]  # fmt: skip  # one row per line, as a table


@lru_cache(maxsize=64)
def schema(quarter: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged file of `quarter` (the quarter's bounds only enter
    through `stage`, so one schema serves every quarter)."""
    del quarter
    return rule_schema(SOURCE, COLUMNS, OUTPUT, _rules(), RULES)


# Per optional column: the accepted row's value is unknown (blank or invalid).
WARNINGS: dict[str, pl.Expr] = {c: _blank(c) | _invalid(c) for c in OPTIONAL}


# ---------------------------------------------------------------- across files


def across_files_schema(
    key: str, rule_name: str = "duplicate_key_across_files", name: str = SOURCE
) -> pa.DataFrameSchema:
    """Across the current accepted files of every quarter (columns `quarter`,
    `file_sha256`, `row_number` and the typed columns): a row whose `key` is already in an
    earlier quarter's file breaks `rule_name`; the row of the earliest quarter is kept."""
    first_quarter = pl.col("quarter").min().over(key)
    violated = pl.col(key).is_not_null() & (pl.col("quarter") > first_quarter)
    return pa.DataFrameSchema(
        {key: pa.Column(pl.Utf8, nullable=True, checks=[rule(rule_name, violated)])},
        name=f"{name}_across_files",
        strict=False,
    )


def key_repeats_earlier_file(rows: pl.DataFrame | pl.LazyFrame, key: str, name: str = SOURCE) -> pl.DataFrame:
    """(file_sha256, row_number, rule) of the rows whose `key` repeats one of an earlier
    quarter's file, ordered by quarter and row_number (pandera decides, as for the rows of
    one file). Superseded file versions must not be passed in."""
    out_schema = {"file_sha256": pl.Utf8, "row_number": pl.Int64, "rule": pl.Utf8}
    # Only a key found in more than one quarter's file can break the rule: pandera sees those.
    candidates = rows_with_key_in_several_quarters(rows, [key])
    if not candidates.height:
        return pl.DataFrame(schema=out_schema)
    return failed_file_rows(across_files_schema(key, name=name), candidates)


# The columns `cross_file_failures` reads: only these are assembled from every quarter's file.
CROSS_FILE_COLUMNS = (KEY,)


def cross_file_failures(rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The accepted rows to quarantine as `duplicate_key_across_files`: an
    `attendance_id` repeating one of an earlier quarter's file. `rows`: the accepted rows
    of the current file of every quarter, with `quarter` and `file_sha256`."""
    return key_repeats_earlier_file(rows, KEY)
