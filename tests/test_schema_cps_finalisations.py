"""Row validation of cps_finalisations (extracts.md section 2), with hand-made files.

Each test writes a small CSV, reads it with `read_raw` and validates it with `validate`
(and `cross_file_quarantine` for the rule across files), and states every expected value:
which rows are quarantined under which rule and column, the normalised accepted values and
the warning counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pytest

from helpers import assert_accounted, quarantined, warnings
import schemas.cps_finalisations as cps
from pipelines.landing.files import SOURCES
from pipelines.landing.read import FileRejected, read_raw
from pipelines.landing.validate import ValidationResult, cross_file_quarantine, validate

CPS = SOURCES["cps_finalisations"].columns
HEADER = list(CPS)

BASE = {
    "urn": "01KD1234509",
    "defendant_ref": "D1",
    "finalised_date": "14/05/2009",
    "police_borough_code": "E09000012",
    "vawg_flags": "DOMESTIC_ABUSE",
    "outcome": "GUILTY_PLEA",
    "unsuccessful_reason": "",
    "defendant_sex": "Male",
    "defendant_age": "36",
    "defendant_ethnicity": "Black",
    "victim_sex": "Female",
}


def record(n: int = 1, **values: str) -> dict[str, str]:
    """The valid base row with its own defendant_ref (n), changed by `values`."""
    return {**BASE, "defendant_ref": f"D{n}", **values}


def csv_text(rows: list[dict], header: list[str] | None = None, eol: str = "\n") -> str:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator=eol, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "2009-04.csv") -> Path:
    path = tmp_path / "cps_finalisations" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(tmp_path: Path, rows: list[dict] | str | bytes, quarter: str = "2009-04") -> ValidationResult:
    content = rows if isinstance(rows, (str, bytes)) else csv_text(rows)
    path = write(tmp_path, content, f"{quarter}.csv")
    return validate("cps_finalisations", read_raw(path, CPS), quarter)


# ------------------------------------------------------------------ accepted values


def test_a_clean_file_is_accepted_with_normalised_values(tmp_path):
    rows = [
        record(1),
        record(
            2,
            urn=" 01kd1234509 ",
            finalised_date="2009-06-30 00:00:00",
            police_borough_code="e09000033",
            vawg_flags="rape; domestic_abuse;RAPE;",
            outcome="discontinued",
            unsuccessful_reason=" victim_retraction ",
            defendant_sex="NOT KNOWN",
            defendant_age="36.0",
            defendant_ethnicity="chinese or other",
            victim_sex="not known",
        ),
        record(
            3, finalised_date="1/4/2009", outcome="ADMIN_FINALISED", defendant_ethnicity="Not stated", victim_sex="Male"
        ),
        record(
            4,
            outcome="proof_in_absence",
            defendant_ethnicity="Not provided",
            vawg_flags="TRAFFICKING;PROSTITUTION;FGM;STALKING;HARASSMENT;CHILD_ABUSE;"
            "SEXUAL_OFFENCES;HONOUR_BASED_VIOLENCE;FORCED_MARRIAGE",
        ),
    ]
    result = load(tmp_path, rows)

    assert quarantined(result) == []
    assert result.accepted.schema == pl.Schema(cps.OUTPUT)
    assert result.accepted.row(1, named=True) == {
        "row_number": 2,
        "urn": "01KD1234509",
        "defendant_ref": "D2",
        "finalised_date": dt.date(2009, 6, 30),
        "police_borough_code": "E09000033",
        "vawg_flags": "DOMESTIC_ABUSE;RAPE",
        "outcome": "DISCONTINUED",
        "unsuccessful_reason": "VICTIM_RETRACTION",
        "defendant_sex": "NOT_KNOWN",
        "defendant_age": 36,
        "defendant_ethnicity": "CHINESE_OR_OTHER",
        "victim_sex": "NOT_KNOWN",
    }
    first = result.accepted.row(0, named=True)
    assert (first["finalised_date"], first["unsuccessful_reason"]) == (dt.date(2009, 5, 14), None)
    assert (first["defendant_sex"], first["defendant_ethnicity"], first["victim_sex"]) == ("MALE", "BLACK", "FEMALE")
    assert result.accepted["finalised_date"][2] == dt.date(2009, 4, 1)
    assert result.accepted["outcome"].to_list() == [
        "GUILTY_PLEA",
        "DISCONTINUED",
        "ADMIN_FINALISED",
        "PROOF_IN_ABSENCE",
    ]
    assert result.accepted["defendant_ethnicity"][2:].to_list() == ["NOT_STATED", "NOT_PROVIDED"]
    assert result.accepted["vawg_flags"][3] == (
        "CHILD_ABUSE;FGM;FORCED_MARRIAGE;HARASSMENT;HONOUR_BASED_VIOLENCE;PROSTITUTION;"
        "SEXUAL_OFFENCES;STALKING;TRAFFICKING"
    )
    assert warnings(result) == {}  # Not known / Not stated / Not provided are values
    assert_accounted(result)


def test_every_unsuccessful_outcome_takes_every_reason(tmp_path):
    outcomes = ["DISCONTINUED", "NO_CASE_TO_ANSWER", "DISMISSED_AFTER_TRIAL", "ACQUITTED", "DISCHARGED"]
    reasons = cps.reason_codes()
    rows = [
        record(i * 100 + j, outcome=o, unsuccessful_reason=r)
        for i, o in enumerate(outcomes)
        for j, r in enumerate(reasons)
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == []
    assert result.accepted.height == 45
    assert set(result.accepted["unsuccessful_reason"]) == set(reasons)


# ---------------------------------------------------------------------- rules


def test_duplicate_key_quarantines_every_row_sharing_it(tmp_path):
    rows = [
        record(1),
        record(2),
        record(1, urn="01kd1234509 ", outcome="ACQUITTED", unsuccessful_reason="OTHER"),
        record(1, urn="01KD7654309"),  # same defendant, other case: a different key
        record(3, defendant_ref="d2"),  # references are compared as written (trimmed)
        record(4, defendant_ref=" D2 ", outcome="NOT_AN_OUTCOME"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "duplicate_key", "urn"),
        (2, "duplicate_key", "urn"),
        (3, "duplicate_key", "urn"),
        (6, "duplicate_key", "urn"),
    ]
    assert result.accepted["row_number"].to_list() == [4, 5]
    assert_accounted(result)


@pytest.mark.parametrize(
    "column",
    ["urn", "defendant_ref", "finalised_date", "police_borough_code", "vawg_flags", "outcome"],
)
def test_required_missing(tmp_path, column):
    result = load(tmp_path, [record(1), record(2, **{column: "  "})])
    assert quarantined(result) == [(2, "required_missing", column)]
    assert json.loads(result.quarantine["raw_record"][0])[column] is None


def test_reason_required_when_unsuccessful(tmp_path):
    rows = [
        record(1, outcome="DISCONTINUED"),
        record(2, outcome="ACQUITTED", unsuccessful_reason="CONFLICT_OF_EVIDENCE"),
        record(3, outcome="no_case_to_answer"),
        record(4, outcome="DISMISSED_AFTER_TRIAL"),
        record(5, outcome="DISCHARGED"),
        record(6, outcome="ADMIN_FINALISED"),  # no reason for an administrative finalisation
        record(7, outcome="CONVICTED_AFTER_TRIAL"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "required_missing", "unsuccessful_reason"),
        (3, "required_missing", "unsuccessful_reason"),
        (4, "required_missing", "unsuccessful_reason"),
        (5, "required_missing", "unsuccessful_reason"),
    ]
    assert result.accepted["row_number"].to_list() == [2, 6, 7]


def test_invalid_format(tmp_path):
    rows = [
        record(1, urn="01KD123409"),  # serial of 4 digits
        record(2, urn="01-KD-12345-09"),
        record(3, urn="01K!1234509"),
        record(4, urn="1KD1234509X"),
        record(5, vawg_flags=";"),
        record(6, vawg_flags=" ; ;"),
        record(7, urn="01kd1234509"),  # lower case is upper-cased, not an error
        record(8, urn="01991234567"),  # a unit of two digits is allowed
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "invalid_format", "urn"),
        (2, "invalid_format", "urn"),
        (3, "invalid_format", "urn"),
        (4, "invalid_format", "urn"),
        (5, "invalid_format", "vawg_flags"),
        (6, "invalid_format", "vawg_flags"),
    ]
    assert result.accepted["urn"].to_list() == ["01KD1234509", "01991234567"]


def test_invalid_code(tmp_path):
    rows = [
        record(1, urn="02KD1234509"),  # another force
        record(2, urn="43AB1234509"),
        record(3, police_borough_code="E09000001"),  # City of London: its own force
        record(4, police_borough_code="E09000034"),
        record(5, vawg_flags="DOMESTIC_VIOLENCE"),
        record(6, vawg_flags="DOMESTIC_ABUSE;VAWG"),
        record(7, vawg_flags="DOMESTIC ABUSE"),
        record(8, outcome="CONVICTED"),
        record(9, outcome="DISCONTINUED", unsuccessful_reason="VICTIM_WITHDREW"),
        record(10, outcome="GUILTY_PLEA", unsuccessful_reason="UNKNOWN_REASON"),
        record(11, urn="01AB1234509", police_borough_code="E09000002"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "invalid_code", "urn"),
        (2, "invalid_code", "urn"),
        (3, "invalid_code", "police_borough_code"),
        (4, "invalid_code", "police_borough_code"),
        (5, "invalid_code", "vawg_flags"),
        (6, "invalid_code", "vawg_flags"),
        (7, "invalid_code", "vawg_flags"),
        (8, "invalid_code", "outcome"),
        (9, "invalid_code", "unsuccessful_reason"),
        (10, "invalid_code", "unsuccessful_reason"),
    ]
    assert result.accepted["row_number"].to_list() == [11]


def test_invalid_date(tmp_path):
    rows = [
        record(1, finalised_date="31/02/2009"),
        record(2, finalised_date="2009/05/14"),
        record(3, finalised_date="14-05-2009"),
        record(4, finalised_date="14/05/2009 10:30"),  # only a midnight time is allowed
        record(5, finalised_date="yesterday"),
        record(6, finalised_date="14/05/2009 00:00"),
        record(7, finalised_date="2009-05-14T00:00:00"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [(n, "invalid_date", "finalised_date") for n in range(1, 6)]
    assert result.accepted["finalised_date"].to_list() == [dt.date(2009, 5, 14)] * 2


def test_date_out_of_range_before_1900(tmp_path):
    result = load(tmp_path, [record(1, finalised_date="31/12/1899"), record(2)])
    assert quarantined(result) == [(1, "date_out_of_range", "finalised_date")]


def test_date_outside_quarter(tmp_path):
    rows = [
        record(1, finalised_date="31/03/2009"),  # the day before the quarter
        record(2, finalised_date="01/04/2009"),
        record(3, finalised_date="30/06/2009"),
        record(4, finalised_date="2009-07-01"),  # the day after the quarter
        record(5, finalised_date="01/01/1900"),
        record(6, finalised_date="15/02/2031"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "date_outside_quarter", "finalised_date"),
        (4, "date_outside_quarter", "finalised_date"),
        (5, "date_outside_quarter", "finalised_date"),
        (6, "date_outside_quarter", "finalised_date"),
    ]
    assert result.accepted["finalised_date"].to_list() == [dt.date(2009, 4, 1), dt.date(2009, 6, 30)]


def test_must_be_blank(tmp_path):
    rows = [
        record(1, outcome="GUILTY_PLEA", unsuccessful_reason="OTHER"),
        record(2, outcome="CONVICTED_AFTER_TRIAL", unsuccessful_reason="VICTIM_RETRACTION"),
        record(3, outcome="PROOF_IN_ABSENCE", unsuccessful_reason="PUBLIC_INTEREST"),
        record(4, outcome="ADMIN_FINALISED", unsuccessful_reason="OTHER"),
        record(5, outcome="ADMIN_FINALISED", unsuccessful_reason=" "),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [(n, "must_be_blank", "unsuccessful_reason") for n in range(1, 5)]
    assert result.accepted["row_number"].to_list() == [5]


def test_the_first_rule_broken_is_reported(tmp_path):
    rows = [
        # blank urn, unknown borough, bad date: required_missing comes first
        record(1, urn="", police_borough_code="E09000001", finalised_date="31/02/2009"),
        # bad URN form and unknown outcome: invalid_format before invalid_code
        record(2, urn="01KD12", outcome="CONVICTED"),
        # unknown flag and date outside the quarter
        record(3, vawg_flags="VAWG", finalised_date="01/01/2009"),
        # same column, two rules: blank reason for an unsuccessful outcome wins over nothing
        record(4, outcome="ACQUITTED", finalised_date="01/01/2009"),
        # duplicate keys win over everything
        record(5, urn="01KD7654309", finalised_date="bad"),
        record(5, urn="01KD7654309"),
        # a reason given for a conviction, outside the quarter: the date rule comes first
        record(6, unsuccessful_reason="OTHER", finalised_date="2009-07-02"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "required_missing", "urn"),
        (2, "invalid_format", "urn"),
        (3, "invalid_code", "vawg_flags"),
        (4, "required_missing", "unsuccessful_reason"),
        (5, "duplicate_key", "urn"),
        (6, "duplicate_key", "urn"),
        (7, "date_outside_quarter", "finalised_date"),
    ]
    assert result.accepted.height == 0


def test_optional_values_invalid_become_unknown_with_warnings(tmp_path):
    rows = [
        record(1, defendant_sex="M", defendant_age="9", defendant_ethnicity="Other", victim_sex="F"),
        record(2, defendant_sex="", defendant_age="", defendant_ethnicity="", victim_sex=""),
        record(3, defendant_age="111"),
        record(4, defendant_age="36.5", defendant_ethnicity="Chinese_or_Other"),
        record(5, defendant_age="10", defendant_ethnicity="Asian", victim_sex="Not known"),
        record(6, defendant_age="110.0", defendant_sex="female"),
        record(7, defendant_age="abc", defendant_ethnicity="Not  stated"),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == []
    acc = result.accepted
    assert acc["defendant_sex"].to_list() == [None, None, "MALE", "MALE", "MALE", "FEMALE", "MALE"]
    assert acc["defendant_age"].to_list() == [None, None, None, None, 10, 110, None]
    assert acc["defendant_ethnicity"].to_list() == [None, None, "BLACK", None, "ASIAN", "BLACK", None]
    assert acc["victim_sex"].to_list() == [None, None, "FEMALE", "FEMALE", "NOT_KNOWN", "FEMALE", "FEMALE"]
    assert warnings(result) == {
        "defendant_sex": 2,
        "defendant_age": 5,
        "defendant_ethnicity": 4,
        "victim_sex": 2,
    }


def test_warnings_count_accepted_rows_only(tmp_path):
    rows = [record(1, defendant_age=""), record(2, defendant_age="", outcome="BAD")]
    result = load(tmp_path, rows)
    assert quarantined(result) == [(2, "invalid_code", "outcome")]
    assert warnings(result) == {"defendant_age": 1}


def test_a_missing_optional_column_is_blank_throughout(tmp_path):
    header = [c for c in HEADER if c != "defendant_ethnicity"]
    result = load(tmp_path, csv_text([record(1), record(2)], header))
    assert result.accepted["defendant_ethnicity"].to_list() == [None, None]
    assert warnings(result) == {"defendant_ethnicity": 2}


def test_a_missing_conditionally_required_column_rejects_the_file(tmp_path):
    header = [c for c in HEADER if c != "unsuccessful_reason"]
    path = write(tmp_path, csv_text([record(1)], header))
    with pytest.raises(FileRejected) as err:
        read_raw(path, CPS)
    assert err.value.reason == ("cps_finalisations/2009-04.csv lacks the required column 'unsuccessful_reason'.")


def test_header_only_file_and_ragged_rows(tmp_path):
    empty = load(tmp_path, ",".join(HEADER) + "\r\n")
    assert empty.rows_read == 0 and empty.accepted.schema == pl.Schema(cps.OUTPUT)
    lines = csv_text([record(1), record(2), record(3)]).splitlines()
    lines[2] += ",surplus"
    result = load(tmp_path, "\r\n".join(lines) + "\r\n")
    assert quarantined(result) == [(2, "ragged_row", None)]
    assert result.accepted["defendant_ref"].to_list() == ["D1", "D3"]


def test_excel_mess_bom_cp1252_header_case_and_shuffled_columns(tmp_path):
    header = [h.upper() if i % 2 else f" {h.title()} " for i, h in enumerate(HEADER)][::-1]
    rows = [
        {h: record(1)[h.strip().lower()] for h in header},
        {h: record(2, defendant_ethnicity="White")[h.strip().lower()] for h in header},
    ]
    text = csv_text(rows, header, eol="\r\n")
    result = load(tmp_path, text.encode("cp1252"))
    assert quarantined(result) == []
    assert result.accepted["defendant_ethnicity"].to_list() == ["BLACK", "WHITE"]
    result = load(tmp_path, ("\ufeff" + text).encode("utf-8"))
    assert result.accepted.columns == list(cps.OUTPUT)
    assert result.accepted["urn"].to_list() == ["01KD1234509"] * 2


# ------------------------------------------------------------------- across files


def accepted_of(tmp_path: Path, quarter: str, rows: list[dict]) -> pl.DataFrame:
    result = load(tmp_path, rows, quarter)
    assert quarantined(result) == []
    return result.accepted.with_columns(pl.lit(quarter).alias("quarter"), pl.lit(f"sha-{quarter}").alias("file_sha256"))


def test_duplicate_key_across_files_keeps_the_earliest(tmp_path):
    earlier = accepted_of(tmp_path, "2009-04", [record(1), record(2), record(3, urn="01AB1111109")])
    middle = accepted_of(
        tmp_path,
        "2009-07",
        [
            record(4, finalised_date="01/08/2009"),
            record(1, finalised_date="02/08/2009", urn="01kd1234509"),  # repeats 2009-04 row 1
            record(3, finalised_date="03/08/2009"),  # same defendant, other URN: a new key
        ],
    )
    later = accepted_of(
        tmp_path,
        "2009-10",
        [
            record(4, finalised_date="01/11/2009"),  # repeats 2009-07 row 1
            record(2, finalised_date="02/11/2009"),  # repeats 2009-04 row 2
            record(5, finalised_date="03/11/2009"),
        ],
    )
    # files come in any order: the quarter decides which row is kept
    rows = pl.concat([later, earlier, middle])

    failures = cps.cross_file_failures(rows)
    assert failures.rows() == [
        ("sha-2009-07", 2, "duplicate_key_across_files"),
        ("sha-2009-10", 1, "duplicate_key_across_files"),
        ("sha-2009-10", 2, "duplicate_key_across_files"),
    ]
    quarantine = cross_file_quarantine("cps_finalisations", rows)
    assert quarantine.select("file_sha256", "row_number", "rule", "column_name").rows() == [
        ("sha-2009-07", 2, "duplicate_key_across_files", None),
        ("sha-2009-10", 1, "duplicate_key_across_files", None),
        ("sha-2009-10", 2, "duplicate_key_across_files", None),
    ]
    record_json = json.loads(quarantine["raw_record"][0])
    assert list(record_json) == list(cps.COLUMNS)
    assert (record_json["urn"], record_json["defendant_ref"], record_json["finalised_date"]) == (
        "01KD1234509",
        "D1",
        "2009-08-02",
    )


def test_no_rows_no_failures_across_files(tmp_path):
    rows = accepted_of(tmp_path, "2009-04", [record(1), record(2)])
    assert cps.cross_file_failures(rows).height == 0
    assert cross_file_quarantine("cps_finalisations", rows.head(0)).height == 0


def test_rules_are_named_in_the_module():
    assert cps.RULES == (
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
    checks = {c.name for column in cps.schema("2009-04").columns.values() for c in column.checks}
    assert checks == set(cps.RULES) - {"ragged_row", "duplicate_key_across_files"}
    assert cps.COLUMNS == tuple(CPS)
    for name in cps.RULES:
        assert f"`{name}`" in cps.__doc__
