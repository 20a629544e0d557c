"""`service_returns`: support services' quarterly monitoring returns (extracts.md, section 5).

A return is aggregate: one row per (provider, measure, breakdown, category) with a count.
The module turns a file's raw strings into typed columns (`stage`) and states every rule of
section 5 as a pandera check (`schema`). `pipelines.landing.validate` runs the schema with
`lazy=True` and quarantines each row pandera fails, under the first rule it broke in the
order below (ties: the column that comes first in the spec).

Quarantine rules, in precedence order (`column_name` in the quarantine says which column):

- `ragged_row`: the CSV row has more or fewer fields than the header (set by the reader).
- `duplicate_key`: (`provider_id`, `measure`, `breakdown`, `category`), compared after
  trimming and upper-casing, appears on more than one row of the file; every such row is
  quarantined (reported against `provider_id`), since no row can be told to be the right
  one. Only rows whose four key values are valid take part.
- `required_missing`: a value is blank (every column is required).
- `invalid_code`: `service_type` is not `RAPE_CRISIS`, `ISVA`, `IDVA`, `REFUGE`,
  `OUTREACH` or `HELPLINE`; `borough_code` is not a London borough (`E09000001`-
  `E09000033`) or `E12000007` (pan-London); `measure` is not `NEW_REFERRALS`,
  `CLIENTS_SUPPORTED`, `WAITING_LIST` or `REFERRALS_DECLINED_CAPACITY`; `breakdown` is not
  `TOTAL`, `GENDER`, `ETHNICITY`, `DISABILITY`, `SEXUALITY` or `AGE_BAND`; `category` is
  not in its breakdown's list (`CATEGORIES`: `ALL` for `TOTAL`, and only there). A row
  whose breakdown is invalid has no valid category either; it is reported under
  `breakdown`, which comes first.
- `invalid_integer`: `count` is not digits or a number with a zero fraction (`36.0`); a
  negative count (`-3`) or a fraction (`2.5`) is invalid too.
- `inconsistent_provider` (across the rows of a provider): a provider has one
  `service_type` and `borough_code` in a file. The provider's pair is the one most of its
  rows carry, counting the rows whose `provider_id`, `service_type` and `borough_code` are
  all valid (whatever else is wrong with them); a tie goes to the pair of the earliest
  such row. Rows with another pair are quarantined, reported against `service_type` when it
  differs, else `borough_code`. The provider's other rows load.
- `missing_total` (across the rows of a provider and measure): the measure has no `TOTAL`
  row that survives the rules above (none was sent, or every one sent is quarantined: a
  `TOTAL` with an invalid count, a duplicated `TOTAL`, a `TOTAL` with the provider's
  minority pair). Every row of that provider and measure is quarantined, reported against
  `measure`; the provider's other measures load.

Not a quarantine: the categories of a breakdown must add up to the `TOTAL` of their
measure (an absent category row counts as 0, so a breakdown sent with no rows at all adds
up only when the total is 0). A breakdown that does not add up is loaded whole and flagged
by the warehouse, which leaves it out of published breakdowns; `breakdowns_not_adding_up`
lists such breakdowns of accepted rows, for tests and reports. There are no rules across
files (a provider's `service_type` may change from one quarter to the next).

Values and their types in the accepted rows: text and codes are trimmed; codes and
`provider_id` are upper-cased; `count` is Int64 (`36.0` is 36). Every column is required,
so there are no optional values and no warnings (`WARNINGS` is empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from pipelines.project_files import SEEDS_DIR
from schemas import parsing as P
from schemas.checks import rule_schema

SOURCE = "service_returns"
SEEDS = SEEDS_DIR

# The raw column whose value (ignoring case) puts together every row a rule of this file
# compares: the `provider_id` (its rules look at a provider's rows together). A large file is validated in groups of rows split by it
# (pipelines/landing/partitioned.py).
PARTITION_KEY = "provider_id"

RULES: tuple[str, ...] = (
    "ragged_row",
    "duplicate_key",
    "required_missing",
    "invalid_code",
    "invalid_integer",
    "inconsistent_provider",
    "missing_total",
)

# The accepted rows' columns and types (the spec's columns in the spec's order).
OUTPUT: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "provider_id": pl.Utf8(),
    "service_type": pl.Utf8(),
    "borough_code": pl.Utf8(),
    "measure": pl.Utf8(),
    "breakdown": pl.Utf8(),
    "category": pl.Utf8(),
    "count": pl.Int64(),
}
COLUMNS: tuple[str, ...] = tuple(c for c in OUTPUT if c != "row_number")
KEY: tuple[str, ...] = ("provider_id", "measure", "breakdown", "category")

SERVICE_TYPES = ("RAPE_CRISIS", "ISVA", "IDVA", "REFUGE", "OUTREACH", "HELPLINE")
LONDON = "E12000007"
MEASURES = ("NEW_REFERRALS", "CLIENTS_SUPPORTED", "WAITING_LIST", "REFERRALS_DECLINED_CAPACITY")
TOTAL = "TOTAL"
ALL = "ALL"
# Each breakdown's categories, in the spec's order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    TOTAL: (ALL,),
    "GENDER": ("FEMALE", "MALE", "OTHER", "UNKNOWN"),
    "ETHNICITY": ("WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "UNKNOWN"),
    "DISABILITY": ("YES", "NO", "UNKNOWN"),
    "SEXUALITY": ("HETEROSEXUAL", "GAY_LESBIAN", "BISEXUAL", "OTHER", "UNKNOWN"),
    "AGE_BAND": ("0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "UNKNOWN"),
}
BREAKDOWNS: tuple[str, ...] = tuple(CATEGORIES)
# The breakdowns whose categories must add up to the TOTAL.
CATEGORY_BREAKDOWNS: tuple[str, ...] = BREAKDOWNS[1:]

# The violation columns computed beside the staged frame while checking.
_FLAG = "__{rule}__{column}"


def raw(column: str) -> str:
    """Name of the raw string column kept beside the typed one while validating."""
    return f"{column}__raw"


@lru_cache(maxsize=1)
def borough_codes() -> tuple[str, ...]:
    """The 33 London boroughs (`seeds/boroughs.csv`) and `E12000007` (pan-London)."""
    boroughs = pl.read_csv(SEEDS / "boroughs.csv", infer_schema=False)
    return (*boroughs["borough_code"], LONDON)


# ---------------------------------------------------------------------- staging


def stage(data: pl.DataFrame, quarter: str) -> pl.DataFrame:
    """The frame pandera checks: row_number, each column's raw string (`<c>__raw`, as
    `read_raw` gives it: trimmed, blank = null) and its typed value (`<c>`, null when
    blank or invalid). The quarter does not enter any rule."""
    del quarter

    def v(c: str) -> pl.Expr:  # the value as read: trimmed, blank = null
        return pl.col(c)

    breakdown = P.one_of(P.code(v("breakdown")), BREAKDOWNS)
    pairs = [f"{b}|{c}" for b, cs in CATEGORIES.items() for c in cs]
    category = P.code(v("category"))
    typed = {
        "provider_id": P.code(v("provider_id")),
        "service_type": P.one_of(P.code(v("service_type")), SERVICE_TYPES),
        "borough_code": P.one_of(P.code(v("borough_code")), borough_codes()),
        "measure": P.one_of(P.code(v("measure")), MEASURES),
        "breakdown": breakdown,
        # valid only in its breakdown's list (null when the breakdown is invalid)
        "category": pl.when((breakdown + "|" + category).is_in(pairs)).then(category),
        "count": P.integer(v("count")),
    }
    return (
        data.lazy()
        .with_columns(
            *(pl.col(c).alias(raw(c)) for c in COLUMNS),
            *(e.alias(c) for c, e in typed.items()),
        )
        .select("row_number", *(raw(c) for c in COLUMNS), *COLUMNS)
        .collect()
    )


def allowed_codes() -> dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]]:
    """Each coded column's allowed values as the extract writes them (matched ignoring case),
    from the same lists `stage` reads: the reference docs (`vawg generate`) list them.
    `category` depends on the breakdown: a dict of each breakdown's categories."""
    return {
        "service_type": SERVICE_TYPES,
        "borough_code": borough_codes(),
        "measure": MEASURES,
        "breakdown": BREAKDOWNS,
        "category": CATEGORIES,
    }


# ----------------------------------------------------------------------- schema


def _blank(c: str) -> pl.Expr:
    return pl.col(raw(c)).is_null()  # `read_raw` gives blanks as null


def _invalid(c: str) -> pl.Expr:
    """Written, but not a valid value (typed value is null)."""
    return ~_blank(c) & pl.col(c).is_null()


def _flag(rule: str, column: str) -> str:
    return _FLAG.format(rule=rule, column=column)


def _row_rules() -> list[tuple[str, str, pl.Expr]]:
    """(rule, column reported, violation) of the rules that look at one row (and, for the
    key, at the rows sharing it)."""
    key = pl.struct(*KEY)
    key_valid = pl.all_horizontal(pl.col(c).is_not_null() for c in KEY)
    return [
        ("duplicate_key", "provider_id", key_valid & key.is_duplicated()),
        *(("required_missing", c, _blank(c)) for c in COLUMNS),
        *(("invalid_code", c, _invalid(c))
          for c in ("service_type", "borough_code", "measure", "breakdown", "category")),
        ("invalid_integer", "count", _invalid("count")),
    ]  # fmt: skip  # one row per line, as a table


def _provider_steps() -> list[dict[str, pl.Expr]]:
    """Column batches computed in turn after the row rules' flags, ending with the flags of
    `inconsistent_provider` and `missing_total` (window expressions over a provider, and
    over a provider and measure)."""
    provider, st, bc = pl.col("provider_id"), pl.col("service_type"), pl.col("borough_code")
    pair_valid = provider.is_not_null() & st.is_not_null() & bc.is_not_null()
    pair = ["provider_id", "service_type", "borough_code"]
    # Rank of the row's pair within its provider: more rows first, then the earlier row.
    score = (
        pl.when(pair_valid)
        .then(pl.len().cast(pl.Int64).over(pair) * 1_000_000_000_000 - pl.col("row_number").min().over(pair))
        .otherwise(-1)
    )
    chosen = {c: pl.col(c).sort_by("__pair_score", descending=True).first().over("provider_id")
              for c in ("service_type", "borough_code")}  # fmt: skip  # continued lines aligned under the opening bracket
    st_differs = pair_valid & (st != pl.col("__chosen_service_type"))
    bc_differs = pair_valid & (bc != pl.col("__chosen_borough_code"))
    # A row quarantined by an earlier rule is no TOTAL for missing_total.
    earlier = pl.any_horizontal(
        *(pl.col(_flag(r, c)) for r, c, _ in _row_rules()),
        pl.col(_flag("inconsistent_provider", "service_type")),
        pl.col(_flag("inconsistent_provider", "borough_code")),
    )
    has_total = ((pl.col("breakdown") == TOTAL) & ~earlier).fill_null(False).any().over("provider_id", "measure")
    return [
        {"__pair_score": score},
        {f"__chosen_{c}": e for c, e in chosen.items()},
        {
            _flag("inconsistent_provider", "service_type"): st_differs.fill_null(False),
            _flag("inconsistent_provider", "borough_code"): (~st_differs & bc_differs).fill_null(False),
        },
        {
            _flag("missing_total", "measure"): (
                provider.is_not_null() & pl.col("measure").is_not_null() & ~has_total
            ).fill_null(False)
        },
    ]


def violations(frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The staged frame with one Boolean column per (rule, column) (`__<rule>__<column>`),
    true where the row breaks that rule (null, for an unknown value, counts as false)."""
    lf = frame.lazy().with_columns(e.fill_null(False).alias(_flag(r, c)) for r, c, e in _row_rules())
    for step in _provider_steps():
        lf = lf.with_columns(e.alias(n) for n, e in step.items())
    return lf


def _checks() -> list[tuple[str, str]]:
    """Every (rule, column) checked, in RULES order."""
    return [(r, c) for r, c, _ in _row_rules()] + [
        ("inconsistent_provider", "service_type"),
        ("inconsistent_provider", "borough_code"),
        ("missing_total", "measure"),
    ]


@lru_cache(maxsize=64)
def schema(quarter: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged file (one schema serves every quarter; the argument
    keeps the interface common to sources whose rules need it). The rules are computed
    together (`violations`), each check reading its own flag."""
    del quarter
    rules = [(name, column, pl.col(_flag(name, column))) for name, column in _checks()]
    return rule_schema(SOURCE, COLUMNS, OUTPUT, rules, RULES, prepare=violations)


# Every column is required: no value of an accepted row is ever unknown.
WARNINGS: dict[str, pl.Expr] = {}


# ------------------------------------------------------------------- breakdowns

NOT_ADDING_UP_SCHEMA = {
    "provider_id": pl.Utf8,
    "measure": pl.Utf8,
    "breakdown": pl.Utf8,
    "total": pl.Int64,
    "sum_of_categories": pl.Int64,
}


def breakdowns_not_adding_up(accepted: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """The breakdowns whose categories do not add up to their measure's TOTAL.

    `accepted`: accepted rows (`provider_id`, `measure`, `breakdown`, `category`, `count`)
    of one file, or of several when `by` names the columns that tell the files apart (e.g.
    `("quarter",)`). Every breakdown of every measure with a TOTAL is looked at: absent
    category rows count as 0, so a breakdown with no rows at all does not add up unless the
    total is 0. Returns (*by, provider_id, measure, breakdown, total, sum_of_categories),
    ordered by `by`, provider, and the spec's order of measures and breakdowns.
    """
    by = list(by)
    keys = [*by, "provider_id", "measure"]
    totals = accepted.filter(pl.col("breakdown") == TOTAL).select(*keys, pl.col("count").cast(pl.Int64).alias("total"))
    sums = (
        accepted.filter(pl.col("breakdown") != TOTAL)
        .group_by(*keys, "breakdown")
        .agg(pl.col("count").cast(pl.Int64).sum().alias("sum_of_categories"))
    )
    grid = totals.join(
        pl.DataFrame({"breakdown": list(CATEGORY_BREAKDOWNS)}, schema={"breakdown": pl.Utf8}),
        how="cross",
    )
    out = (
        grid.join(sums, on=[*keys, "breakdown"], how="left")
        .with_columns(pl.col("sum_of_categories").fill_null(0))
        .filter(pl.col("total") != pl.col("sum_of_categories"))
        .with_columns(
            pl.col("measure")
            .replace_strict(
                {m: i for i, m in enumerate(MEASURES)},
                default=len(MEASURES),
                return_dtype=pl.Int64,
            )
            .alias("__measure_rank"),
            pl.col("breakdown")
            .replace_strict(
                {b: i for i, b in enumerate(BREAKDOWNS)},
                default=len(BREAKDOWNS),
                return_dtype=pl.Int64,
            )
            .alias("__breakdown_rank"),
        )
        .sort(*by, "provider_id", "__measure_rank", "__breakdown_rank")
    )
    schema = {**{c: accepted.schema[c] for c in by}, **NOT_ADDING_UP_SCHEMA}
    return out.select(list(schema)).cast(schema)
