"""`cps_finalisations`: CPS London defendant finalisations (extracts.md, section 2).

One row per defendant per case finalised in the file's quarter. As for `mps_crimes`, the
module turns a file's raw strings into typed columns (`stage`) and states every rule of
section 2 as a pandera check (`schema`); `pipelines.landing.validate` runs the schema with
`lazy=True` and quarantines each row pandera fails, under the first rule it broke in the
order below (ties: the column that comes first in the spec).

Quarantine rules, in precedence order (`column_name` in the quarantine says which column):

- `ragged_row`: the CSV row has more or fewer fields than the header (set by the reader).
- `duplicate_key`: the (`urn`, `defendant_ref`) pair appears on more than one row of the
  file (URNs compared after trimming and upper-casing, defendant references after
  trimming); every such row is quarantined, since no row can be told to be the right one.
- `required_missing`: a required value is blank: `urn`, `defendant_ref`, `finalised_date`,
  `police_borough_code`, `vawg_flags`, `outcome`; `unsuccessful_reason` when the outcome
  is unsuccessful (`DISCONTINUED`, `NO_CASE_TO_ANSWER`, `DISMISSED_AFTER_TRIAL`,
  `ACQUITTED`, `DISCHARGED`).
- `invalid_format`: `urn` is not 2 digits (force), 2 capital letters or digits (police
  unit), 5 digits (serial), 2 digits (year), e.g. `01KD1234509`; `vawg_flags` holds no
  flag at all (only `;` separators and spaces).
- `invalid_code`: `urn` has the URN form but a force code other than `01` (the
  Metropolitan Police); `police_borough_code` is not an MPS borough (`E09000002`-
  `E09000033`; the City, `E09000001`, has its own force); `vawg_flags` names a flag that is
  not one of `DOMESTIC_ABUSE`, `RAPE`, `SEXUAL_OFFENCES`, `CHILD_ABUSE`,
  `HONOUR_BASED_VIOLENCE`, `FORCED_MARRIAGE`, `FGM`, `STALKING`, `HARASSMENT`,
  `TRAFFICKING`, `PROSTITUTION`; `outcome` is not in `seeds/cps_outcomes.csv`;
  `unsuccessful_reason` is given and not in `seeds/cps_unsuccessful_reasons.csv`.
- `invalid_date`: `finalised_date` is not a date of a form in extracts.md.
- `date_out_of_range`: `finalised_date` is before 1900.
- `date_outside_quarter`: `finalised_date` is a valid date (1900 or later) before the first
  or after the last day of the file's quarter (section 2: it must fall within the quarter;
  this rule, the source's own, takes dates after the quarter too).
- `must_be_blank`: `unsuccessful_reason` given for a conviction (`GUILTY_PLEA`,
  `CONVICTED_AFTER_TRIAL`, `PROOF_IN_ABSENCE`) or for `ADMIN_FINALISED`.
- `duplicate_key_across_files` (across files, `cross_file_failures`, run by
  `pipelines.landing.validate.cross_file_quarantine`): the (`urn`, `defendant_ref`) pair of
  an accepted row already appears in the current file of an earlier quarter; the earlier
  row is kept, the later one quarantined.

Values and their types in the accepted rows:

- Text and codes are trimmed; codes are matched case-insensitively and upper-cased (`urn`
  too). The spec's labels become upper-case codes with spaces written as underscores:
  `Not known` -> `NOT_KNOWN`, `Chinese or Other` -> `CHINESE_OR_OTHER`, `Not stated` ->
  `NOT_STATED`, `Not provided` -> `NOT_PROVIDED`; only the labels themselves are accepted.
- `vawg_flags` is normalised: split on `;`, each flag trimmed and upper-cased, empty items
  ignored, duplicates removed, sorted and joined by `;` (`rape; domestic_abuse;RAPE` ->
  `DOMESTIC_ABUSE;RAPE`).
- `defendant_ref` is kept as written (trimmed); `unsuccessful_reason` is null when blank.
- `defendant_age` is Int16: an integer (digits, or with a zero fraction, `36.0`) in 10-110.
- An optional value that is invalid becomes null ("unknown") and is counted as a warning:
  `defendant_sex` and `victim_sex` not `Male`/`Female`/`Not known`, `defendant_age` not an
  integer in 10-110, `defendant_ethnicity` not one of the seven CPS labels.

Warnings count, per column, the accepted rows whose value is unknown: invalid, or blank
(for every optional column of this source a blank means "not known"). `Not known`,
`Not stated` and `Not provided` are valid values, not warnings.
"""

from __future__ import annotations

from functools import lru_cache

import pandera.polars as pa
import polars as pl

from pipelines.project_files import SEEDS_DIR
from schemas import parsing as P
from schemas.checks import failed_file_rows, rows_with_key_in_several_quarters, rule, rule_schema
from schemas.mps_crimes import mps_boroughs

SOURCE = "cps_finalisations"
SEEDS = SEEDS_DIR

# The raw column whose value (ignoring case) puts together every row a rule of this file
# compares: the `urn` (the key's first part). A large file is validated in groups of rows split by it
# (pipelines/landing/partitioned.py).
PARTITION_KEY = "urn"

RULES: tuple[str, ...] = (
    "ragged_row",
    "duplicate_key",
    "required_missing",
    "invalid_format",
    "invalid_code",
    "invalid_date",
    "date_out_of_range",
    "date_outside_quarter",
    "must_be_blank",
    "duplicate_key_across_files",
)

# The accepted rows' columns and types (the spec's columns in the spec's order).
OUTPUT: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "urn": pl.Utf8(),
    "defendant_ref": pl.Utf8(),
    "finalised_date": pl.Date(),
    "police_borough_code": pl.Utf8(),
    "vawg_flags": pl.Utf8(),
    "outcome": pl.Utf8(),
    "unsuccessful_reason": pl.Utf8(),
    "defendant_sex": pl.Utf8(),
    "defendant_age": pl.Int16(),
    "defendant_ethnicity": pl.Utf8(),
    "victim_sex": pl.Utf8(),
}
COLUMNS: tuple[str, ...] = tuple(c for c in OUTPUT if c != "row_number")
REQUIRED = ("urn", "defendant_ref", "finalised_date", "police_borough_code", "vawg_flags",
            "outcome")  # fmt: skip  # continued lines aligned under the opening bracket
KEY = ("urn", "defendant_ref")

VAWG_FLAGS = (
    "DOMESTIC_ABUSE",
    "RAPE",
    "SEXUAL_OFFENCES",
    "CHILD_ABUSE",
    "HONOUR_BASED_VIOLENCE",
    "FORCED_MARRIAGE",
    "FGM",
    "STALKING",
    "HARASSMENT",
    "TRAFFICKING",
    "PROSTITUTION",
)
CONVICTIONS = ("GUILTY_PLEA", "CONVICTED_AFTER_TRIAL", "PROOF_IN_ABSENCE")
UNSUCCESSFUL = ("DISCONTINUED", "NO_CASE_TO_ANSWER", "DISMISSED_AFTER_TRIAL", "ACQUITTED",
                "DISCHARGED")  # fmt: skip  # continued lines aligned under the opening bracket
ADMIN = "ADMIN_FINALISED"
VICTIM_ISSUES = ("VICTIM_RETRACTION", "VICTIM_NON_ATTENDANCE", "VICTIM_EVIDENCE_DOES_NOT_SUPPORT")

# Spec label (upper-cased) -> output code.
SEX_LABELS = {"MALE": "MALE", "FEMALE": "FEMALE", "NOT KNOWN": "NOT_KNOWN"}
ETHNICITY_LABELS = {
    "WHITE": "WHITE",
    "MIXED": "MIXED",
    "ASIAN": "ASIAN",
    "BLACK": "BLACK",
    "CHINESE OR OTHER": "CHINESE_OR_OTHER",
    "NOT STATED": "NOT_STATED",
    "NOT PROVIDED": "NOT_PROVIDED",
}
AGE_MIN, AGE_MAX = 10, 110

# A URN's form (any force); an MPS URN has force 01.
URN_FORM = r"^\d{2}[A-Z0-9]{2}\d{5}\d{2}$"
MPS_URN = r"^01[A-Z0-9]{2}\d{5}\d{2}$"


def raw(column: str) -> str:
    """Name of the raw string column kept beside the typed one while validating."""
    return f"{column}__raw"


def parsed(column: str) -> str:
    """Name of a date parsed for its form only (before the range checks)."""
    return f"{column}__parsed"


# Helper columns for the flag list: how many flags it names, whether one is unknown.
FLAG_COUNT = "vawg_flags__count"
FLAG_UNKNOWN = "vawg_flags__unknown"


# ------------------------------------------------------------------------ seeds


@lru_cache(maxsize=1)
def outcome_codes() -> tuple[str, ...]:
    """`seeds/cps_outcomes.csv`: the outcome codes."""
    seed = pl.read_csv(SEEDS / "cps_outcomes.csv", infer_schema=False)
    return tuple(seed["outcome_code"])


@lru_cache(maxsize=1)
def reason_codes() -> tuple[str, ...]:
    """`seeds/cps_unsuccessful_reasons.csv`: the unsuccessful-reason codes."""
    seed = pl.read_csv(SEEDS / "cps_unsuccessful_reasons.csv", infer_schema=False)
    return tuple(seed["unsuccessful_reason_code"])


# ---------------------------------------------------------------------- staging


def _label(value: pl.Expr, labels: dict[str, str]) -> pl.Expr:
    """A spec label matched case-insensitively -> its code; anything else null."""
    return P.code(value).replace_strict(labels, default=None, return_dtype=pl.Utf8)


def stage(data: pl.DataFrame, quarter: str) -> pl.DataFrame:
    """The frame pandera checks: row_number, each column's raw string (`<c>__raw`, as
    `read_raw` gives it: trimmed, blank = null), its typed value (`<c>`, null when blank
    or invalid), `finalised_date__parsed` (the date parsed for its form only) and the flag
    list's helper columns (`vawg_flags__count`, `vawg_flags__unknown`)."""
    start, end = P.quarter_bounds(quarter)

    def v(c: str) -> pl.Expr:  # the value as read: trimmed, blank = null
        return pl.col(c)

    items = (
        P.code(v("vawg_flags"))
        .str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    typed = {
        "urn": P.matching(P.code(v("urn")), MPS_URN),
        "defendant_ref": v("defendant_ref"),
        "police_borough_code": P.one_of(P.code(v("police_borough_code")), mps_boroughs()),
        "outcome": P.one_of(P.code(v("outcome")), outcome_codes()),
        "unsuccessful_reason": P.one_of(P.code(v("unsuccessful_reason")), reason_codes()),
        "defendant_sex": _label(v("defendant_sex"), SEX_LABELS),
        "defendant_age": P.in_range(P.integer(v("defendant_age")), AGE_MIN, AGE_MAX).cast(pl.Int16),
        "defendant_ethnicity": _label(v("defendant_ethnicity"), ETHNICITY_LABELS),
        "victim_sex": _label(v("victim_sex"), SEX_LABELS),
    }
    flags = pl.col("vawg_flags__items")
    return (
        data.lazy()
        .with_columns(
            *(pl.col(c).alias(raw(c)) for c in COLUMNS),
            *(e.alias(c) for c, e in typed.items()),
            P.date(v("finalised_date")).alias(parsed("finalised_date")),
            items.list.unique().list.sort().alias("vawg_flags__items"),
        )
        .with_columns(
            P.in_range(pl.col(parsed("finalised_date")), start, end).alias("finalised_date"),
            flags.list.len().alias(FLAG_COUNT),
            flags.list.eval(~pl.element().is_in(VAWG_FLAGS)).list.any().alias(FLAG_UNKNOWN),
        )
        .with_columns(
            pl.when((pl.col(FLAG_COUNT) > 0) & ~pl.col(FLAG_UNKNOWN)).then(flags.list.join(";")).alias("vawg_flags")
        )
        .select(
            "row_number",
            *(raw(c) for c in COLUMNS),
            *COLUMNS,
            parsed("finalised_date"),
            FLAG_COUNT,
            FLAG_UNKNOWN,
        )
        .collect()
    )


def allowed_codes() -> dict[str, tuple[str, ...]]:
    """Each coded column's allowed values as the extract writes them (matched ignoring case),
    from the same lists `stage` reads: the reference docs (`vawg generate`) list them."""
    return {
        "police_borough_code": mps_boroughs(),
        "vawg_flags": VAWG_FLAGS,
        "outcome": outcome_codes(),
        "unsuccessful_reason": reason_codes(),
        "defendant_sex": tuple(SEX_LABELS),
        "defendant_ethnicity": tuple(ETHNICITY_LABELS),
        "victim_sex": tuple(SEX_LABELS),
    }


# ----------------------------------------------------------------------- schema


def _blank(c: str) -> pl.Expr:
    return pl.col(raw(c)).is_null()  # `read_raw` gives blanks as null


def _invalid(c: str) -> pl.Expr:
    """Written, but not a valid value (typed value is null)."""
    return ~_blank(c) & pl.col(c).is_null()


def _rules() -> list[tuple[str, str, pl.Expr]]:
    """(rule, column reported, violation) for every row rule of section 2."""
    outcome = pl.col("outcome")
    urn, ref = pl.col("urn"), pl.col("defendant_ref")
    date = pl.col(parsed("finalised_date"))
    urn_form = P.code(pl.col(raw("urn"))).str.contains(URN_FORM)
    return [
        ("duplicate_key", "urn",
         urn.is_not_null() & ref.is_not_null() & pl.struct(KEY).is_duplicated()),
        *(("required_missing", c, _blank(c)) for c in REQUIRED),
        ("required_missing", "unsuccessful_reason",
         _blank("unsuccessful_reason") & outcome.is_in(UNSUCCESSFUL)),
        ("invalid_format", "urn", ~_blank("urn") & ~urn_form),
        ("invalid_format", "vawg_flags", ~_blank("vawg_flags") & (pl.col(FLAG_COUNT) == 0)),
        ("invalid_code", "urn", urn_form & urn.is_null()),
        ("invalid_code", "police_borough_code", _invalid("police_borough_code")),
        ("invalid_code", "vawg_flags", pl.col(FLAG_UNKNOWN)),
        ("invalid_code", "outcome", _invalid("outcome")),
        ("invalid_code", "unsuccessful_reason", _invalid("unsuccessful_reason")),
        ("invalid_date", "finalised_date", ~_blank("finalised_date") & date.is_null()),
        ("date_out_of_range", "finalised_date", date < P.EARLIEST_DATE),
        ("date_outside_quarter", "finalised_date",
         (date >= P.EARLIEST_DATE) & pl.col("finalised_date").is_null()),
        ("must_be_blank", "unsuccessful_reason",
         ~_blank("unsuccessful_reason") & outcome.is_in([*CONVICTIONS, ADMIN])),
    ]  # fmt: skip  # one row per line, as a table


@lru_cache(maxsize=64)
def schema(quarter: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged file of `quarter` (the quarter's bounds only enter
    through `stage`, so one schema serves every quarter; the argument keeps the interface
    common to every source)."""
    del quarter
    return rule_schema(SOURCE, COLUMNS, OUTPUT, _rules(), RULES)


def _unknown_when_blank(c: str) -> pl.Expr:
    return _blank(c) | _invalid(c)


# Per optional column: the accepted row's value counts as a data-quality warning.
WARNINGS: dict[str, pl.Expr] = {
    c: _unknown_when_blank(c) for c in ("defendant_sex", "defendant_age", "defendant_ethnicity", "victim_sex")
}


# ------------------------------------------------------------------- across files


def cross_file_schema() -> pa.DataFrameSchema:
    """Across the current accepted files of every quarter (columns `quarter`,
    `file_sha256`, `row_number` and the typed columns): a row whose (`urn`,
    `defendant_ref`) appears in the file of an earlier quarter is quarantined
    (`duplicate_key_across_files`); the earliest quarter's row is kept."""
    first_quarter = pl.col("quarter").min().over(KEY)
    return pa.DataFrameSchema(
        {
            "urn": pa.Column(
                pl.Utf8,
                nullable=True,
                checks=[rule("duplicate_key_across_files", pl.col("quarter") > first_quarter)],
            )
        },
        name=f"{SOURCE}_across_files",
        strict=False,
    )


# The columns `cross_file_failures` reads: only these are assembled from every quarter's file.
CROSS_FILE_COLUMNS = KEY


def cross_file_failures(rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The accepted rows to quarantine by the rules across files.

    `rows`: the accepted rows of the current file of every quarter (columns `quarter`,
    `file_sha256`, `row_number` and the typed columns of `validate`). Returns
    (file_sha256, row_number, rule), ordered by quarter and row_number. Superseded file
    versions must not be passed in: they are no longer anyone's truth.
    """
    # Only a pair found in more than one quarter's file can break the rule: pandera sees those.
    return failed_file_rows(cross_file_schema(), rows_with_key_in_several_quarters(rows, list(KEY)))
