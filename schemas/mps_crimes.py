"""`mps_crimes`: MPS crime and incident record versions (extracts.md, section 1).

The module turns a file's raw strings into typed columns (`stage`) and states every rule
of section 1 as a pandera check (`schema`). `pipelines.landing.validate` runs the schema
with `lazy=True` and quarantines each row pandera fails, under the first rule it broke in
the order below (ties: the column that comes first in the spec).

Quarantine rules, in precedence order (`column_name` in the quarantine says which column):

- `ragged_row`: the CSV row has more or fewer fields than the header (set by the reader).
- `duplicate_key`: the `crime_ref` appears on more than one row of the file; every such
  row is quarantined, since no row can be told to be the right one.
- `required_missing`: a required value is blank: `crime_ref`, `last_modified`,
  `borough_code`, `reported_date`, `recorded_date`, `classification`; `ho_offence_code`
  unless `INCIDENT`; `no_crime_date` for `NO_CRIME`; `outcome_date` when `outcome_type` is
  set.
- `invalid_format`: `crime_ref` is not 7 digits, `/`, 2 digits; `ho_offence_code` is not
  1-3 digits optionally followed by capital letters or by `/` (or `.`) and 1-2 digits.
- `invalid_code`: `borough_code` is not an MPS borough (`E09000002`-`E09000033`; the City,
  `E09000001`, has its own force); `classification` is not `CRIME`, `NO_CRIME` or
  `INCIDENT`; `outcome_type` is not in `seeds/outcome_types.csv` (19, fraud only, is not).
- `invalid_flag`: a `flag_*` value other than `Y`, `N` or blank.
- `invalid_timestamp`: `last_modified` is not a timestamp of a form in extracts.md.
- `invalid_date`: a required date (as in `required_missing`) is not a date of a form in
  extracts.md.
- `date_out_of_range`: a required date is before 1900 or after the last day of the file's
  quarter, or `last_modified` is before 1900 or after the end of the quarter (compared as
  instants: the quarter ends at midnight London time).
- `must_be_blank`: `no_crime_date` given for a `CRIME` or `INCIDENT`; `outcome_type` given
  for a `NO_CRIME` or `INCIDENT`.
- `recorded_before_reported`: `recorded_date` is before `reported_date`.
- `offence_after_reported`: `offence_date` is after `reported_date`.
- `outcome_before_recorded`: `outcome_date` is before `recorded_date`.
- `code_not_in_force`: `ho_offence_code` used before its offence came into force (`8Q`
  2012-11-25, `106` 2015-07-31, from `seeds/offence_strands.csv`), judged by
  `offence_date`, or `recorded_date` when that is unknown; or `outcome_type` 21 or 22
  with an `outcome_date` before 2016-01-01 or 2019-04-01 (`seeds/outcome_types.csv`).
- `out_of_scope` (across files, `cross_file_failures`): the version
  is out of VAWG scope and no earlier version of the record was in scope.

Values and their types in the accepted rows:

- Text and codes are trimmed; codes are upper-cased. `ho_offence_code` writes `4.1` as
  `4/1`. `outcome_type` writes a number without leading zeros or a zero fraction (`01`,
  `1.0` -> `1`), since spreadsheets pad or float numeric codes.
- `last_modified` is a naive UTC `Datetime('us')`: London local time when written without a
  zone, converted when written with `Z` or `+HH:MM`.
- Flags are Boolean, blank meaning `N` (False).
- An optional value that is invalid becomes null ("unknown") and is counted as a warning:
  `offence_date` (also before 1900 or after the quarter), `cps_urn` (not an MPS URN of
  section 2: `01`, 2 letters or digits, 5 digits, 2 digits), victim and suspect codes not
  in their lists, ages that are not integers in 0-110. An invalid `outcome_date` is
  optional (null + warning) only while `outcome_type` is blank.

Warnings count, per column, the accepted rows whose value is unknown: invalid, or blank
where blank means "not known" (`offence_date` and the victim's characteristics; the
suspect's age and ethnicity when a suspect's sex is given). A blank that states a fact is
not a warning: a flag (N), `outcome_type`/`outcome_date` (no outcome yet), `cps_urn` (not
sent to the CPS), `suspect_sex` (no suspect identified).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from pipelines.project_files import SEEDS_DIR
from schemas import parsing as P
from schemas.checks import failed_file_rows, rule, rule_schema

SOURCE = "mps_crimes"
SEEDS = SEEDS_DIR

# The raw column whose value (ignoring case) puts together every row a rule of this file
# compares: the `crime_ref`. A large file is validated in groups of rows split by it
# (pipelines/landing/partitioned.py).
PARTITION_KEY = "crime_ref"

RULES: tuple[str, ...] = (
    "ragged_row",
    "duplicate_key",
    "required_missing",
    "invalid_format",
    "invalid_code",
    "invalid_flag",
    "invalid_timestamp",
    "invalid_date",
    "date_out_of_range",
    "must_be_blank",
    "recorded_before_reported",
    "offence_after_reported",
    "outcome_before_recorded",
    "code_not_in_force",
    "out_of_scope",
)

# The accepted rows' columns and types (the spec's columns in the spec's order).
OUTPUT: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "crime_ref": pl.Utf8(),
    "last_modified": pl.Datetime("us"),
    "borough_code": pl.Utf8(),
    "reported_date": pl.Date(),
    "recorded_date": pl.Date(),
    "offence_date": pl.Date(),
    "ho_offence_code": pl.Utf8(),
    "classification": pl.Utf8(),
    "no_crime_date": pl.Date(),
    "flag_domestic": pl.Boolean(),
    "flag_honour": pl.Boolean(),
    "flag_forced_marriage": pl.Boolean(),
    "flag_fgm": pl.Boolean(),
    "flag_multiple_perpetrator": pl.Boolean(),
    "outcome_type": pl.Utf8(),
    "outcome_date": pl.Date(),
    "cps_urn": pl.Utf8(),
    "victim_sex": pl.Utf8(),
    "victim_age": pl.Int16(),
    "victim_sde": pl.Utf8(),
    "victim_ic": pl.Utf8(),
    "victim_disability": pl.Utf8(),
    "victim_sexuality": pl.Utf8(),
    "suspect_sex": pl.Utf8(),
    "suspect_age": pl.Int16(),
    "suspect_sde": pl.Utf8(),
}
COLUMNS: tuple[str, ...] = tuple(c for c in OUTPUT if c != "row_number")

CLASSIFICATIONS = ("CRIME", "NO_CRIME", "INCIDENT")
FLAGS = (
    "flag_domestic",
    "flag_honour",
    "flag_forced_marriage",
    "flag_fgm",
    "flag_multiple_perpetrator",
)
# Flags that bring a record into VAWG scope (multiple perpetrators alone does not).
SCOPE_FLAGS = FLAGS[:4]
SEX = ("F", "M", "U")
SDE = ("W1", "W2", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A9",
       "B1", "B2", "B9", "O1", "O9", "NS")  # fmt: skip  # continued lines aligned under the opening bracket
IC = ("IC0", "IC1", "IC2", "IC3", "IC4", "IC5", "IC6")
DISABILITY = ("Y", "N", "U")
SEXUALITY = ("HET", "GAY", "BI", "OTH", "NS")
AGE_MAX = 110

CRIME_REF = r"^\d{7}/\d{2}$"
HO_OFFENCE_CODE = r"^\d{1,3}(?:[A-Z]+|/\d{1,2})?$"
MPS_URN = r"^01[A-Z0-9]{2}\d{5}\d{2}$"

DATES = ("reported_date", "recorded_date", "offence_date", "no_crime_date", "outcome_date")


def raw(column: str) -> str:
    """Name of the raw string column kept beside the typed one while validating."""
    return f"{column}__raw"


def parsed(column: str) -> str:
    """Name of a date/timestamp parsed for its form only (before the range check)."""
    return f"{column}__parsed"


# ------------------------------------------------------------------------ seeds


@lru_cache(maxsize=1)
def offence_strands() -> pl.DataFrame:
    """`seeds/offence_strands.csv`: ho_offence_code, strand, in_force_from (Date)."""
    return pl.read_csv(SEEDS / "offence_strands.csv", infer_schema=False).with_columns(
        pl.col("in_force_from").str.to_date("%Y-%m-%d")
    )


@lru_cache(maxsize=1)
def outcome_types() -> pl.DataFrame:
    """`seeds/outcome_types.csv`: outcome_type, outcome_name, outcome_group, in_force_from."""
    return pl.read_csv(SEEDS / "outcome_types.csv", infer_schema=False).with_columns(
        pl.col("in_force_from").str.to_date("%Y-%m-%d")
    )


@lru_cache(maxsize=1)
def mps_boroughs() -> tuple[str, ...]:
    """The 32 boroughs the MPS polices (`seeds/boroughs.csv`, is_mps_borough)."""
    boroughs = pl.read_csv(SEEDS / "boroughs.csv", infer_schema=False)
    return tuple(boroughs.filter(pl.col("is_mps_borough") == "true")["borough_code"])


def _in_force(column: str, seed: pl.DataFrame, key: str) -> pl.Expr:
    """The date from which the code in `column` may be used (null: always)."""
    dated = seed.filter(pl.col("in_force_from").is_not_null())
    return pl.col(column).replace_strict(
        dated[key].to_list(),
        dated["in_force_from"].to_list(),
        default=None,
        return_dtype=pl.Date,
    )


# ---------------------------------------------------------------------- staging


def stage(data: pl.DataFrame, quarter: str) -> pl.DataFrame:
    """The frame pandera checks: row_number, each column's raw string (`<c>__raw`, as
    `read_raw` gives it: trimmed, blank = null), its typed value (`<c>`, null when blank
    or invalid) and, for dates and `last_modified`, the value parsed for its form only
    (`<c>__parsed`)."""
    _, end = P.quarter_bounds(quarter)
    # The quarter ends when its last day ends in London: timestamps compare as instants.
    lm_limit = P.london_midnight_utc(end + dt.timedelta(days=1))

    def v(c: str) -> pl.Expr:  # the value as read: trimmed, blank = null
        return pl.col(c)

    def age(c: str) -> pl.Expr:
        return P.in_range(P.integer(v(c)), 0, AGE_MAX).cast(pl.Int16)

    # "01" and "1.0" are outcome 1: spreadsheets pad or float numeric codes.
    outcome = P.integer(v("outcome_type")).cast(pl.Utf8).fill_null(P.code(v("outcome_type")))
    ho_code = P.code(v("ho_offence_code")).str.replace(".", "/", literal=True)
    typed = {
        "crime_ref": P.matching(v("crime_ref"), CRIME_REF),
        "borough_code": P.one_of(P.code(v("borough_code")), mps_boroughs()),
        "ho_offence_code": P.matching(ho_code, HO_OFFENCE_CODE),
        "classification": P.one_of(P.code(v("classification")), CLASSIFICATIONS),
        **{f: P.flag(v(f)) for f in FLAGS},
        "outcome_type": P.one_of(outcome, outcome_types()["outcome_type"]),
        "cps_urn": P.matching(P.code(v("cps_urn")), MPS_URN),
        "victim_sex": P.one_of(P.code(v("victim_sex")), SEX),
        "victim_age": age("victim_age"),
        "victim_sde": P.one_of(P.code(v("victim_sde")), SDE),
        "victim_ic": P.one_of(P.code(v("victim_ic")), IC),
        "victim_disability": P.one_of(P.code(v("victim_disability")), DISABILITY),
        "victim_sexuality": P.one_of(P.code(v("victim_sexuality")), SEXUALITY),
        "suspect_sex": P.one_of(P.code(v("suspect_sex")), SEX),
        "suspect_age": age("suspect_age"),
        "suspect_sde": P.one_of(P.code(v("suspect_sde")), SDE),
    }
    in_range = {
        "last_modified": P.in_range(
            pl.col(parsed("last_modified")),
            P.EARLIEST_TIMESTAMP,
            lm_limit,
            high_inclusive=False,
        ),
        **{c: P.in_range(pl.col(parsed(c)), P.EARLIEST_DATE, end) for c in DATES},
    }
    return (
        data.lazy()
        .with_columns(
            *(pl.col(c).alias(raw(c)) for c in COLUMNS),
            *(e.alias(c) for c, e in typed.items()),
            P.timestamp_utc(v("last_modified")).alias(parsed("last_modified")),
            *(P.date(v(c)).alias(parsed(c)) for c in DATES),
        )
        .with_columns(e.alias(c) for c, e in in_range.items())
        .select(
            "row_number",
            *(raw(c) for c in COLUMNS),
            *COLUMNS,
            *(parsed(c) for c in ("last_modified", *DATES)),
        )
        .collect()
    )


def allowed_codes() -> dict[str, tuple[str, ...]]:
    """Each coded column's allowed values as the extract writes them (matched ignoring case),
    from the same lists `stage` reads: the reference docs (`vawg generate`) list them."""
    return {
        "borough_code": mps_boroughs(),
        "classification": CLASSIFICATIONS,
        **{f: ("Y", "N") for f in FLAGS},
        "outcome_type": tuple(outcome_types()["outcome_type"]),
        "victim_sex": SEX,
        "victim_sde": SDE,
        "victim_ic": IC,
        "victim_disability": DISABILITY,
        "victim_sexuality": SEXUALITY,
        "suspect_sex": SEX,
        "suspect_sde": SDE,
    }


# ----------------------------------------------------------------------- schema


def _blank(c: str) -> pl.Expr:
    return pl.col(raw(c)).is_null()  # `read_raw` gives blanks as null


def _invalid(c: str) -> pl.Expr:
    """Written, but not a valid value (typed value is null)."""
    return ~_blank(c) & pl.col(c).is_null()


def _bad_form(c: str) -> pl.Expr:
    return ~_blank(c) & pl.col(parsed(c)).is_null()


def _out_of_range(c: str) -> pl.Expr:
    return pl.col(parsed(c)).is_not_null() & pl.col(c).is_null()


def _rules() -> list[tuple[str, str, pl.Expr]]:
    """(rule, column reported, violation) for every row rule of section 1."""
    cls = pl.col("classification")
    no_crime = cls == "NO_CRIME"
    has_outcome = ~_blank("outcome_type")
    always = ("crime_ref", "last_modified", "borough_code", "reported_date",
              "recorded_date", "classification")  # fmt: skip  # continued lines aligned under the opening bracket
    offence_in_force = _in_force("ho_offence_code", offence_strands(), "ho_offence_code")
    outcome_in_force = _in_force("outcome_type", outcome_types(), "outcome_type")
    crime_ref = pl.col("crime_ref")
    return [
        ("duplicate_key", "crime_ref", crime_ref.is_not_null() & crime_ref.is_duplicated()),
        *(("required_missing", c, _blank(c)) for c in always),
        ("required_missing", "ho_offence_code", _blank("ho_offence_code") & (cls != "INCIDENT")),
        ("required_missing", "no_crime_date", _blank("no_crime_date") & no_crime),
        ("required_missing", "outcome_date", _blank("outcome_date") & has_outcome),
        ("invalid_format", "crime_ref", _invalid("crime_ref")),
        ("invalid_format", "ho_offence_code", _invalid("ho_offence_code")),
        ("invalid_code", "borough_code", _invalid("borough_code")),
        ("invalid_code", "classification", _invalid("classification")),
        ("invalid_code", "outcome_type", _invalid("outcome_type")),
        *(("invalid_flag", f, _invalid(f)) for f in FLAGS),
        ("invalid_timestamp", "last_modified", _bad_form("last_modified")),
        ("invalid_date", "reported_date", _bad_form("reported_date")),
        ("invalid_date", "recorded_date", _bad_form("recorded_date")),
        ("invalid_date", "no_crime_date", _bad_form("no_crime_date") & no_crime),
        ("invalid_date", "outcome_date", _bad_form("outcome_date") & has_outcome),
        ("date_out_of_range", "last_modified", _out_of_range("last_modified")),
        ("date_out_of_range", "reported_date", _out_of_range("reported_date")),
        ("date_out_of_range", "recorded_date", _out_of_range("recorded_date")),
        ("date_out_of_range", "no_crime_date", _out_of_range("no_crime_date") & no_crime),
        ("date_out_of_range", "outcome_date", _out_of_range("outcome_date") & has_outcome),
        ("must_be_blank", "no_crime_date",
         ~_blank("no_crime_date") & cls.is_in(["CRIME", "INCIDENT"])),
        ("must_be_blank", "outcome_type", has_outcome & cls.is_in(["NO_CRIME", "INCIDENT"])),
        ("recorded_before_reported", "recorded_date",
         pl.col("recorded_date") < pl.col("reported_date")),
        ("offence_after_reported", "offence_date",
         pl.col("offence_date") > pl.col("reported_date")),
        ("outcome_before_recorded", "outcome_date",
         pl.col("outcome_date") < pl.col("recorded_date")),
        ("code_not_in_force", "ho_offence_code",
         offence_in_force > pl.coalesce("offence_date", "recorded_date")),
        ("code_not_in_force", "outcome_type", outcome_in_force > pl.col("outcome_date")),
    ]  # fmt: skip  # one row per line, as a table


@lru_cache(maxsize=64)
def schema(quarter: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged file of `quarter` (the quarter's end only enters
    through `stage`, so one schema serves every quarter; the argument keeps the interface
    common to sources whose rules need it)."""
    del quarter
    return rule_schema(SOURCE, COLUMNS, OUTPUT, _rules(), RULES)


def _unknown_when_blank(c: str) -> pl.Expr:
    return _blank(c) | _invalid(c)


# Per optional column: the accepted row's value counts as a data-quality warning.
WARNINGS: dict[str, pl.Expr] = {
    "offence_date": _unknown_when_blank("offence_date"),
    "outcome_date": _invalid("outcome_date"),
    "cps_urn": _invalid("cps_urn"),
    **{
        c: _unknown_when_blank(c)
        for c in ("victim_sex", "victim_age", "victim_sde", "victim_ic", "victim_disability", "victim_sexuality")
    },
    "suspect_sex": _invalid("suspect_sex"),
    **{c: _invalid(c) | (_blank(c) & pl.col("suspect_sex").is_not_null()) for c in ("suspect_age", "suspect_sde")},
}


# ------------------------------------------------------------------------ scope


def in_scope() -> pl.Expr:
    """A version is in VAWG scope: a CRIME or NO_CRIME in one of the four offence strands,
    or any record carrying one of the four scope flags (an INCIDENT only this way)."""
    strand_codes = offence_strands()["ho_offence_code"].to_list()
    by_offence = pl.col("classification").is_in(["CRIME", "NO_CRIME"]) & pl.col("ho_offence_code").is_in(strand_codes)
    by_flag = pl.any_horizontal(*(pl.col(f).fill_null(False) for f in SCOPE_FLAGS))
    return by_offence.fill_null(False) | by_flag


def scope_schema() -> pa.DataFrameSchema:
    """Across the current accepted files of every quarter (columns `quarter`,
    `file_sha256`, `row_number` and the typed columns): a version out of scope is
    quarantined unless the same `crime_ref` had an in-scope version earlier — in an
    earlier quarter's file, or with an earlier `last_modified` — so that a record leaving
    scope is sent once more and taken out of the indicators, while a record that never was
    in scope does not enter."""
    scoped = in_scope()
    first_quarter = pl.when(scoped).then(pl.col("quarter")).min().over("crime_ref")
    first_modified = pl.when(scoped).then(pl.col("last_modified")).min().over("crime_ref")
    earlier = (first_quarter < pl.col("quarter")).fill_null(False) | (
        first_modified < pl.col("last_modified")
    ).fill_null(False)
    return pa.DataFrameSchema(
        {"crime_ref": pa.Column(pl.Utf8, nullable=True, checks=[rule("out_of_scope", ~scoped & ~earlier)])},
        name=f"{SOURCE}_scope",
        strict=False,
    )


# The columns `cross_file_failures` reads: only these are assembled from every quarter's file.
CROSS_FILE_COLUMNS = ("crime_ref", "classification", "ho_offence_code", "last_modified", *SCOPE_FLAGS)


def cross_file_failures(rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The accepted versions to quarantine as `out_of_scope`.

    `rows`: the accepted rows of the current file of every quarter (columns `quarter`,
    `file_sha256`, `row_number` and at least `CROSS_FILE_COLUMNS`). Returns (file_sha256,
    row_number, rule), ordered by quarter and row_number. Superseded file versions must not
    be passed in: they are no longer anyone's truth.
    """
    # The rule compares only versions of the same crime_ref, and a record none of whose
    # versions is out of scope cannot break it: pandera sees the other records alone, which
    # at national scale is a few thousand rows instead of millions.
    # Both passes stream over a lazy scan of the raw store: only those records are collected.
    rows = rows.lazy()
    touched = rows.filter(~in_scope()).select("crime_ref").unique()
    records = rows.join(touched, on="crime_ref", how="semi", nulls_equal=True).collect(engine="streaming")
    return failed_file_rows(scope_schema(), records)
