"""Row validation of `service_returns` (schemas/service_returns.py), with hand-made files.

Every expected value is written out: which rows are quarantined under which rule and column,
which are accepted, and which breakdowns `breakdowns_not_adding_up` reports.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from helpers import assert_accounted, quarantined
import schemas.service_returns as sr
from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import ValidationResult, validate
from pipelines.sources import BY_ID

COLUMNS = SOURCES["service_returns"].columns
HEADER = list(COLUMNS)
EXAMPLE = Path(__file__).parent / "data" / "spec_examples" / "service_returns_2012-01.csv"  # copied from the spec

# Providers: (provider_id, service_type, borough_code)
HACKNEY = ("IDVA-HACKNEY", "IDVA", "E09000012")
EAST = ("RCC-EAST", "RAPE_CRISIS", "E09000030")
HELPLINE = ("HELPLINE-LONDON", "HELPLINE", "E12000007")


def row(
    provider=HACKNEY, measure="NEW_REFERRALS", breakdown="TOTAL", category="ALL", count="10", **values: str
) -> dict[str, str]:
    provider_id, service_type, borough_code = provider
    return {
        "provider_id": provider_id, "service_type": service_type, "borough_code": borough_code,
        "measure": measure, "breakdown": breakdown, "category": category, "count": count,
        **values,
    }  # fmt: skip  # several items to a line, grouped as they read


def gender(provider=HACKNEY, measure="NEW_REFERRALS", female="9", male="1") -> list[dict]:
    """A TOTAL of female + male and its GENDER breakdown."""
    return [
        row(provider, measure, count=str(int(female) + int(male))),
        row(provider, measure, "GENDER", "FEMALE", female),
        row(provider, measure, "GENDER", "MALE", male),
    ]


def csv_text(rows: list[dict], header: list[str] | None = None, eol: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator=eol, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def load(tmp_path: Path, content: str | bytes, quarter: str = "2012-01") -> ValidationResult:
    path = tmp_path / "service_returns" / f"{quarter}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return validate("service_returns", read_raw(path, COLUMNS), quarter)


def accepted_numbers(result: ValidationResult) -> list[int]:
    return result.accepted["row_number"].to_list()


# ------------------------------------------------------------------------- contract


def test_module_contract():
    assert BY_ID["service_returns"].schema is sr
    assert sr.COLUMNS == tuple(COLUMNS)
    assert sr.OUTPUT == {
        "row_number": pl.Int64(), "provider_id": pl.Utf8(), "service_type": pl.Utf8(),
        "borough_code": pl.Utf8(), "measure": pl.Utf8(), "breakdown": pl.Utf8(),
        "category": pl.Utf8(), "count": pl.Int64(),
    }  # fmt: skip  # several items to a line, grouped as they read
    assert sr.RULES == (
        "ragged_row", "duplicate_key", "required_missing", "invalid_code", "invalid_integer",
        "inconsistent_provider", "missing_total",
    )  # fmt: skip  # several items to a line, grouped as they read
    schema = sr.schema("2012-01")
    checks = {c.name for col in schema.columns.values() for c in col.checks}
    assert checks | {"ragged_row"} == set(sr.RULES)
    assert sr.WARNINGS == {}
    assert len(sr.borough_codes()) == 34 and sr.borough_codes()[-1] == "E12000007"


# ------------------------------------------------------------------------ accepted


def test_a_clean_return_is_accepted_with_typed_values(tmp_path):
    rows = [
        row(count="12"),
        row(breakdown="GENDER", category="FEMALE", count="11"),
        row(breakdown="GENDER", category="UNKNOWN", count="1.0"),
        row(breakdown="ETHNICITY", category="BLACK", count=" 7 "),
        row(breakdown="ethnicity", category="white", count="5"),
        row(breakdown="DISABILITY", category="UNKNOWN", count="12"),
        row(breakdown="SEXUALITY", category="GAY_LESBIAN", count="2"),
        row(breakdown="SEXUALITY", category="UNKNOWN", count="10"),
        row(breakdown="AGE_BAND", category="65+", count="3"),
        row(breakdown="AGE_BAND", category="18-24", count="9"),
        row(breakdown="AGE_BAND", category="0-15", count="0"),
        # a zero total with no breakdown rows adds up
        row(measure="WAITING_LIST", count="0"),
        # codes and provider ids are compared after trimming and upper-casing
        row((" helpline-london ", "helpline", "e12000007"), " clients_supported ", " total ",
            "all", "1520.0"),
        row(("CITY-ISVA", "ISVA", "E09000001"), count="4"),
        *[row((f"P{i}", t, "E09000033"), count="1") for i, t in enumerate(sr.SERVICE_TYPES)],
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows, eol="\r\n"))

    assert quarantined(result) == []
    assert result.accepted.schema == pl.Schema(sr.OUTPUT)
    assert result.accepted.row(4, named=True) == {
        "row_number": 5, "provider_id": "IDVA-HACKNEY", "service_type": "IDVA",
        "borough_code": "E09000012", "measure": "NEW_REFERRALS", "breakdown": "ETHNICITY",
        "category": "WHITE", "count": 5,
    }  # fmt: skip  # several items to a line, grouped as they read
    assert result.accepted.row(12, named=True) == {
        "row_number": 13, "provider_id": "HELPLINE-LONDON", "service_type": "HELPLINE",
        "borough_code": "E12000007", "measure": "CLIENTS_SUPPORTED", "breakdown": "TOTAL",
        "category": "ALL", "count": 1520,
    }  # fmt: skip  # several items to a line, grouped as they read
    assert result.accepted["count"].to_list()[:4] == [12, 11, 1, 7]
    assert result.warnings.height == 0
    # The NEW_REFERRALS ETHNICITY sums to 12 and every breakdown adds up, except the
    # breakdowns that the one-row returns of CITY-ISVA, P0..P5 and HELPLINE did not send.
    missing = sr.breakdowns_not_adding_up(result.accepted)
    assert missing.filter(pl.col("provider_id") == "IDVA-HACKNEY").height == 0
    assert missing.filter(pl.col("provider_id") == "P0")["breakdown"].to_list() == list(sr.CATEGORY_BREAKDOWNS)
    assert_accounted(result)


def test_the_spec_example_loads_whole(tmp_path):
    result = load(tmp_path, EXAMPLE.read_bytes())
    assert quarantined(result) == []
    assert accepted_numbers(result) == [1, 2, 3, 4, 5]
    # Its GENDER adds up (84 + 0 + 3 = 87); the excerpt sends no other breakdown, and a
    # breakdown with no rows counts as all zeros, which does not add up to a non-zero total.
    not_adding_up = sr.breakdowns_not_adding_up(result.accepted)
    assert not_adding_up.filter((pl.col("measure") == "NEW_REFERRALS") & (pl.col("breakdown") == "GENDER")).height == 0
    assert not_adding_up.rows()[:2] == [
        ("RCC-EAST", "NEW_REFERRALS", "ETHNICITY", 87, 0),
        ("RCC-EAST", "NEW_REFERRALS", "DISABILITY", 87, 0),
    ]
    assert not_adding_up.height == 4 + 5


def test_header_only_file_is_accepted_with_no_rows(tmp_path):
    result = load(tmp_path, "\ufeff" + ",".join(h.upper() for h in HEADER) + "\r\n\r\n")
    assert result.rows_read == 0
    assert result.accepted.height == 0 and result.quarantine.height == 0
    assert result.accepted.schema == pl.Schema(sr.OUTPUT)
    assert sr.breakdowns_not_adding_up(result.accepted).schema == pl.Schema(sr.NOT_ADDING_UP_SCHEMA)


def test_ragged_rows_are_quarantined_and_the_rest_loads(tmp_path):
    lines = csv_text(gender()).splitlines()
    lines[2] += ",surplus"  # row 2: one field too many
    result = load(tmp_path, "\n".join(lines) + "\n")
    assert quarantined(result) == [(2, "ragged_row", None)]
    assert accepted_numbers(result) == [1, 3]
    assert json.loads(result.quarantine["raw_record"][0])["category"] == "FEMALE"
    # the breakdown lost its FEMALE row, and is reported
    assert sr.breakdowns_not_adding_up(result.accepted).filter(pl.col("breakdown") == "GENDER").rows() == [
        ("IDVA-HACKNEY", "NEW_REFERRALS", "GENDER", 10, 1)
    ]


# -------------------------------------------------------------------------- rules


def test_required_missing(tmp_path):
    ages = iter(sr.CATEGORIES["AGE_BAND"])  # a key of its own for each extra row

    def extra(**values):
        return {**row(breakdown="AGE_BAND", category=next(ages), count="0"), **values}

    rows = [
        *gender(),  # rows 1-3
        extra(provider_id=""),
        extra(service_type=" "),
        extra(borough_code=""),
        extra(measure=""),
        extra(breakdown=""),
        extra(category=""),
        extra(count=""),
    ]
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (4, "required_missing", "provider_id"),
        (5, "required_missing", "service_type"),
        (6, "required_missing", "borough_code"),
        (7, "required_missing", "measure"),
        (8, "required_missing", "breakdown"),
        (9, "required_missing", "category"),
        (10, "required_missing", "count"),
    ]
    assert json.loads(result.quarantine["raw_record"][6]) == {
        **row(breakdown="AGE_BAND", category="55-64"),
        "count": None,
    }
    assert accepted_numbers(result) == [1, 2, 3]
    assert_accounted(result)


def test_invalid_code(tmp_path):
    ages = iter(sr.CATEGORIES["AGE_BAND"])  # a key of its own for each extra row

    def extra(**values):
        return {**row(breakdown="AGE_BAND", category=next(ages), count="0"), **values}

    rows = [
        *gender(),  # rows 1-3
        extra(service_type="IDVA/ISVA"),
        extra(borough_code="E09000034"),
        extra(borough_code="E12000008"),
        extra(measure="REPEAT_REFERRALS"),
        row(breakdown="RELIGION", category="OTHER", count="0"),
        row(breakdown="GENDER", category="WHITE", count="0"),  # another breakdown's category
        row(breakdown="GENDER", category="ALL", count="0"),  # ALL only for TOTAL
        row(breakdown="TOTAL", category="FEMALE", count="9"),  # TOTAL only with ALL
        row(breakdown="ETHNICITY", category="WHITE BRITISH", count="3"),
        row(breakdown="AGE_BAND", category="18-25", count="3"),
        row(breakdown="GENDER", category="TRANS", count="-1"),  # invalid_code before count
        row(breakdown="ETHNICITY", category="OTHER", count="10"),  # valid
    ]
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (4, "invalid_code", "service_type"),
        (5, "invalid_code", "borough_code"),
        (6, "invalid_code", "borough_code"),
        (7, "invalid_code", "measure"),
        (8, "invalid_code", "breakdown"),
        (9, "invalid_code", "category"),
        (10, "invalid_code", "category"),
        (11, "invalid_code", "category"),
        (12, "invalid_code", "category"),
        (13, "invalid_code", "category"),
        (14, "invalid_code", "category"),
    ]
    assert accepted_numbers(result) == [1, 2, 3, 15]
    assert_accounted(result)


def test_invalid_integer(tmp_path):
    counts = ["-3", "2.5", "abc", "1e3", "1,000", "+4", "0x10", "36.00", "007"]
    rows = [
        row(count="10"),  # row 1
        *(row(breakdown="AGE_BAND", category=c, count=n)
          for c, n in zip(sr.CATEGORIES["AGE_BAND"], counts)),  # rows 2-10
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [(n, "invalid_integer", "count") for n in range(2, 9)]
    assert result.accepted.select("row_number", "count").rows() == [
        (1, 10), (9, 36), (10, 7),
    ]  # fmt: skip  # one row per line, as a table
    assert [json.loads(r)["count"] for r in result.quarantine["raw_record"]] == counts[:7]
    assert_accounted(result)


def test_duplicate_key_quarantines_every_row_of_the_key(tmp_path):
    rows = [
        *gender(female="8", male="2"),  # rows 1-3
        row(breakdown="GENDER", category="UNKNOWN", count="1"),  # 4
        row(("idva-hackney ", "idva", "E09000012"), " new_referrals", "gender", "unknown",
            "1"),  # 5: the same key as row 4 once trimmed and upper-cased
        row(breakdown="AGE_BAND", category="25-34", count="4"),  # 6
        row(breakdown="AGE_BAND", category="25-34", count="4"),  # 7: identical
        row(breakdown="AGE_BAND", category="25-34", count="x"),  # 8: and its count is invalid
        row(breakdown="AGE_BAND", category="TWENTIES", count="4"),  # 9: invalid keys do not
        row(breakdown="AGE_BAND", category="TWENTIES", count="4"),  # 10: ... count as keys
        row(measure="CLIENTS_SUPPORTED", breakdown="GENDER", category="UNKNOWN", count="1"),
        row(measure="CLIENTS_SUPPORTED", count="1"),  # 11, 12: other measure, other keys
        row(EAST, breakdown="GENDER", category="UNKNOWN", count="0"),  # 13: another provider
        row(EAST, count="0"),  # 14
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (4, "duplicate_key", "provider_id"),
        (5, "duplicate_key", "provider_id"),
        (6, "duplicate_key", "provider_id"),
        (7, "duplicate_key", "provider_id"),
        (8, "duplicate_key", "provider_id"),
        (9, "invalid_code", "category"),
        (10, "invalid_code", "category"),
    ]
    assert accepted_numbers(result) == [1, 2, 3, 11, 12, 13, 14]
    assert_accounted(result)


def test_inconsistent_provider_keeps_the_most_common_pair(tmp_path):
    rows = [
        *gender(),  # rows 1-3
        row(measure="WAITING_LIST", count="2"),  # 4
        row(breakdown="GENDER", category="UNKNOWN", count="0",
            borough_code="E09000013"),  # 5: another borough
        row(breakdown="GENDER", category="OTHER", count="0",
            service_type="OUTREACH"),  # 6: another type
        row(measure="WAITING_LIST", breakdown="GENDER", category="OTHER", count="0",
            service_type="OUTREACH", borough_code="E09000013"),  # 7: both
        row(measure="WAITING_LIST", breakdown="GENDER", category="MALE", count="0",
            service_type="IDVA/ISVA"),  # 8: an invalid type is invalid_code, not counted
        # a tie (one row each): the pair of the earliest row wins
        row(EAST, count="5"),  # 9
        row(("RCC-EAST", "RAPE_CRISIS", "E12000007"), "WAITING_LIST", count="3"),  # 10
        row(("RCC-EAST", "ISVA", "E09000030"), "CLIENTS_SUPPORTED", count="3"),  # 11
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (5, "inconsistent_provider", "borough_code"),
        (6, "inconsistent_provider", "service_type"),
        (7, "inconsistent_provider", "service_type"),
        (8, "invalid_code", "service_type"),
        (10, "inconsistent_provider", "borough_code"),
        (11, "inconsistent_provider", "service_type"),
    ]
    assert accepted_numbers(result) == [1, 2, 3, 4, 9]
    assert_accounted(result)


def test_the_majority_wins_even_when_it_is_not_the_first_pair(tmp_path):
    rows = [
        row(EAST, count="5"),  # 1: minority pair, first
        row(HACKNEY, count="4"),  # 2: another provider
        row(("RCC-EAST", "RAPE_CRISIS", "E12000007"), "WAITING_LIST", count="3"),
        row(("RCC-EAST", "RAPE_CRISIS", "E12000007"), "CLIENTS_SUPPORTED", count="3"),
    ]
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [(1, "inconsistent_provider", "borough_code")]
    assert accepted_numbers(result) == [2, 3, 4]


def test_a_provider_may_change_between_files(tmp_path):
    first = load(tmp_path, csv_text([row(EAST)]), "2012-01")
    second = load(tmp_path, csv_text([row(("RCC-EAST", "ISVA", "E12000007"))]), "2012-04")
    assert quarantined(first) == quarantined(second) == []


def test_missing_total_quarantines_the_measure_of_the_provider(tmp_path):
    rows = [
        *gender(),  # rows 1-3: NEW_REFERRALS with its TOTAL
        # 4-5: CLIENTS_SUPPORTED without a TOTAL
        row(measure="CLIENTS_SUPPORTED", breakdown="GENDER", category="FEMALE", count="20"),
        row(measure="CLIENTS_SUPPORTED", breakdown="ETHNICITY", category="ASIAN", count="4"),
        # 6-7: WAITING_LIST whose TOTAL has an invalid count
        row(measure="WAITING_LIST", count="-4"),
        row(measure="WAITING_LIST", breakdown="GENDER", category="FEMALE", count="4"),
        # 8-10: REFERRALS_DECLINED_CAPACITY whose TOTAL is sent twice
        row(measure="REFERRALS_DECLINED_CAPACITY", count="2"),
        row(measure="REFERRALS_DECLINED_CAPACITY", count="3"),
        row(measure="REFERRALS_DECLINED_CAPACITY", breakdown="GENDER", category="FEMALE",
            count="3"),
        # 11-12: another provider, whose only TOTAL is written with the wrong category
        row(EAST, breakdown="TOTAL", category="FEMALE", count="6"),
        row(EAST, breakdown="GENDER", category="FEMALE", count="6"),
        # 13-14: the TOTAL of a provider's minority pair does not count
        *[row(HELPLINE, m, count="1") for m in ("NEW_REFERRALS", "CLIENTS_SUPPORTED")],
        row(("HELPLINE-LONDON", "HELPLINE", "E09000001"), "WAITING_LIST", count="0"),  # 15
        row(HELPLINE, "WAITING_LIST", "GENDER", "FEMALE", count="0"),  # 16
        # 17: a mistyped provider id is a provider without any TOTAL
        row(("IDVA HACKNEY", "IDVA", "E09000012"), breakdown="GENDER", category="FEMALE"),
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (4, "missing_total", "measure"),
        (5, "missing_total", "measure"),
        (6, "invalid_integer", "count"),
        (7, "missing_total", "measure"),
        (8, "duplicate_key", "provider_id"),
        (9, "duplicate_key", "provider_id"),
        (10, "missing_total", "measure"),
        (11, "invalid_code", "category"),
        (12, "missing_total", "measure"),
        (15, "inconsistent_provider", "borough_code"),
        (16, "missing_total", "measure"),
        (17, "missing_total", "measure"),
    ]
    assert accepted_numbers(result) == [1, 2, 3, 13, 14]
    assert_accounted(result)


# --------------------------------------------------------------------- breakdowns


def test_a_breakdown_that_does_not_add_up_is_accepted_and_reported(tmp_path):
    rows = [
        *gender(EAST, female="80", male="7"),  # rows 1-3: adds up (87)
        row(EAST, breakdown="GENDER", category="UNKNOWN", count="0"),
        row(EAST, breakdown="ETHNICITY", category="WHITE", count="50"),
        row(EAST, breakdown="ETHNICITY", category="BLACK", count="30"),
        row(EAST, breakdown="ETHNICITY", category="UNKNOWN", count="10"),  # 90, not 87
        row(EAST, breakdown="DISABILITY", category="UNKNOWN", count="80"),  # 80, not 87
        row(EAST, breakdown="SEXUALITY", category="UNKNOWN", count="87"),
        row(EAST, breakdown="AGE_BAND", category="25-34", count="87"),
        row(EAST, "WAITING_LIST", count="0"),  # a zero total with no breakdown: adds up
        row(EAST, "CLIENTS_SUPPORTED", count="3"),
        row(EAST, "CLIENTS_SUPPORTED", "SEXUALITY", "BISEXUAL", "3"),  # the only breakdown
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))

    assert quarantined(result) == []
    assert accepted_numbers(result) == list(range(1, 14))
    assert sr.breakdowns_not_adding_up(result.accepted).rows() == [
        ("RCC-EAST", "NEW_REFERRALS", "ETHNICITY", 87, 90),
        ("RCC-EAST", "NEW_REFERRALS", "DISABILITY", 87, 80),
        ("RCC-EAST", "CLIENTS_SUPPORTED", "GENDER", 3, 0),
        ("RCC-EAST", "CLIENTS_SUPPORTED", "ETHNICITY", 3, 0),
        ("RCC-EAST", "CLIENTS_SUPPORTED", "DISABILITY", 3, 0),
        ("RCC-EAST", "CLIENTS_SUPPORTED", "AGE_BAND", 3, 0),
    ]


def test_breakdowns_not_adding_up_across_files():
    def frame(quarter, provider, total, female):
        return pl.DataFrame({
            "quarter": [quarter] * 2, "provider_id": [provider] * 2,
            "measure": ["NEW_REFERRALS"] * 2, "breakdown": ["TOTAL", "GENDER"],
            "category": ["ALL", "FEMALE"], "count": [total, female],
        })  # fmt: skip  # several items to a line, grouped as they read

    accepted = pl.concat([
        frame("2012-04", "B", 5, 4), frame("2012-01", "B", 5, 5), frame("2012-01", "A", 2, 3)
    ])  # fmt: skip  # one row per line, as a table
    gender_only = sr.breakdowns_not_adding_up(accepted, by=["quarter"]).filter(pl.col("breakdown") == "GENDER")
    assert gender_only.rows() == [
        ("2012-01", "A", "NEW_REFERRALS", "GENDER", 2, 3),
        ("2012-04", "B", "NEW_REFERRALS", "GENDER", 5, 4),
    ]
    assert gender_only.columns == ["quarter", *sr.NOT_ADDING_UP_SCHEMA]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_messy_export(tmp_path, encoding):
    header = [" Provider_ID ", "SERVICE_TYPE", "borough_code", "Measure", "breakdown",
              "category", "count", "Contact Name"]  # fmt: skip  # continued lines aligned under the opening bracket
    rows = [
        {**r, " Provider_ID ": r["provider_id"], "SERVICE_TYPE": r["service_type"],
         "Measure": r["measure"], "Contact Name": "Zoë Smith"}
        for r in (row(count="38"), row(breakdown="GENDER", category="FEMALE", count="36.0"),
                  row(breakdown="GENDER", category="male", count=" 2"))
    ]  # fmt: skip  # one row per line, as a table
    text = csv_text(rows, header, eol="\r\n")
    result = load(tmp_path, text.encode(encoding))
    assert quarantined(result) == []
    assert result.accepted["count"].to_list() == [38, 36, 2]
    assert result.columns_dropped == ("Contact Name",)
    assert "Zoë" not in json.dumps(result.accepted.rows())
