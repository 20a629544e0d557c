"""Row validation of havens_attendances (schemas/havens_attendances.py) with hand-made files,
read by the project's reader and validated by its validator.

Every expected value is written out: which rows are quarantined under which rule and column,
the normalised values of the accepted rows, warning counts and the rows quarantined across
files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from helpers import assert_accounted, quarantined
import schemas.havens_attendances as havens
from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import ValidationResult, cross_file_quarantine, validate

SOURCE = "havens_attendances"
LISTED = SOURCES[SOURCE].columns
HEADER = list(LISTED)

BASE = {
    "attendance_id": "HV-2012-00412",
    "client_ref": "CL-19333",
    "attendance_date": "2012-01-03",
    "haven": "WHITECHAPEL",
    "referral_route": "POLICE",
    "assault_type": "RAPE",
    "acute": "Y",
    "forensic_exam": "Y",
    "reported_to_police": "Y",
    "client_gender": "2",
    "client_age": "23",
    "client_ethnicity": "N",
    "client_disability": "N",
    "client_sexuality": "1",
    "residence_borough_code": "E09000030",
}


def record(n: int = 1, **values: str) -> dict[str, str]:
    """The valid base row with its own attendance_id (n), changed by `values`."""
    return {**BASE, "attendance_id": f"HV-2012-{400 + n:05d}", **values}


def csv_text(rows: list[dict], header: list[str] | None = None, eol: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator=eol, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "2012-01.csv") -> Path:
    path = tmp_path / SOURCE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load(tmp_path: Path, content: str | bytes, quarter: str = "2012-01") -> ValidationResult:
    return validate(SOURCE, read_raw(write(tmp_path, content, f"{quarter}.csv"), LISTED), quarter)


# ------------------------------------------------------------------------ accepted


def test_the_spec_example_is_accepted_as_written(tmp_path):
    text = (
        "attendance_id,client_ref,attendance_date,haven,referral_route,assault_type,acute,"
        "forensic_exam,reported_to_police,client_gender,client_age,client_ethnicity,"
        "client_disability,client_sexuality,residence_borough_code\n"
        "HV-2012-00412,CL-19333,2012-01-03,WHITECHAPEL,POLICE,RAPE,Y,Y,Y,2,23,N,N,1,E09000030\n"
        "HV-2012-00418,CL-19340,2012-01-05,PADDINGTON,SELF,SEXUAL_ASSAULT,N,N,N,2,31,A,Z,Z,E09000033\n"
        "HV-2012-00420,CL-19342,2012-01-06,CAMBERWELL,POLICE,RAPE,Y,Y,Y,1,19,M,N,2,E09000028\n"
    )
    result = load(tmp_path, text)
    assert quarantined(result) == []
    assert result.warnings.height == 0
    assert result.accepted.schema == pl.Schema(havens.OUTPUT)
    assert result.accepted.rows() == [
        (1, "HV-2012-00412", "CL-19333", dt.date(2012, 1, 3), "WHITECHAPEL", "POLICE", "RAPE",
         True, True, "Y", "2", 23, "N", "N", "1", "E09000030"),
        (2, "HV-2012-00418", "CL-19340", dt.date(2012, 1, 5), "PADDINGTON", "SELF",
         "SEXUAL_ASSAULT", False, False, "N", "2", 31, "A", "Z", "Z", "E09000033"),
        (3, "HV-2012-00420", "CL-19342", dt.date(2012, 1, 6), "CAMBERWELL", "POLICE", "RAPE",
         True, True, "Y", "1", 19, "M", "N", "2", "E09000028"),
    ]  # fmt: skip  # one row per line, as a table


def test_messy_values_are_normalised(tmp_path):
    rows = [
        record(1, attendance_date="3/1/2012", haven=" camberwell ", referral_route="other_agency",
               assault_type="Sexual_Assault", acute="y", forensic_exam="n",
               reported_to_police="u", client_gender="2.0", client_age="36.0",
               client_ethnicity="099", client_disability="z", client_sexuality="u",
               residence_borough_code="outside_london"),
        record(2, attendance_date="31/03/2012 00:00", client_gender="x", client_ethnicity="z",
               client_sexuality="09", residence_borough_code="e09000001", client_age="0"),
    ]  # fmt: skip  # one row per line, as a table
    # BOM, CRLF, a blank line and upper-case headings in another order
    header = list(reversed(HEADER))
    text = csv_text(rows, header, eol="\r\n").replace("\r\n", "\r\n\r\n", 1)
    text = text.replace("attendance_id", "ATTENDANCE_ID").replace("haven", " Haven ")
    result = load(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert quarantined(result) == []
    first, second = result.accepted.rows(named=True)
    assert first == {
        "row_number": 1, "attendance_id": "HV-2012-00401", "client_ref": "CL-19333",
        "attendance_date": dt.date(2012, 1, 3), "haven": "CAMBERWELL",
        "referral_route": "OTHER_AGENCY", "assault_type": "SEXUAL_ASSAULT", "acute": True,
        "forensic_exam": False, "reported_to_police": "U", "client_gender": "2",
        "client_age": 36, "client_ethnicity": "99", "client_disability": "Z",
        "client_sexuality": "U", "residence_borough_code": "OUTSIDE_LONDON",
    }  # fmt: skip  # several items to a line, grouped as they read
    assert (second["attendance_date"], second["client_gender"], second["client_ethnicity"],
            second["client_sexuality"], second["residence_borough_code"],
            second["client_age"]) == (dt.date(2012, 3, 31), "X", "Z", "9", "E09000001", 0)  # fmt: skip  # continued lines aligned under the opening bracket
    assert result.warnings.height == 0


def test_xlsx_with_a_date_cell(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append([h.upper() for h in HEADER] + ["client_name"])
    values = {**record(1), "attendance_date": dt.date(2012, 2, 29), "client_age": 19.0, "client_gender": 2}
    workbook.active.append([values[h] for h in HEADER] + ["Jane Doe"])
    path = tmp_path / SOURCE / "2012-01.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    raw = read_raw(path, LISTED)
    assert raw.columns_dropped == ("client_name",)
    result = validate(SOURCE, raw, "2012-01")
    assert quarantined(result) == []
    row = result.accepted.row(0, named=True)
    assert (row["attendance_date"], row["client_age"], row["client_gender"]) == (dt.date(2012, 2, 29), 19, "2")


# ------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"attendance_id": ""}, ("required_missing", "attendance_id")),
        ({"attendance_date": ""}, ("required_missing", "attendance_date")),
        ({"haven": " "}, ("required_missing", "haven")),
        ({"assault_type": ""}, ("required_missing", "assault_type")),
        ({"haven": "KINGS"}, ("invalid_code", "haven")),
        ({"haven": "ST_MARYS"}, ("invalid_code", "haven")),
        ({"assault_type": "ASSAULT"}, ("invalid_code", "assault_type")),
        ({"attendance_date": "31/02/2012"}, ("invalid_date", "attendance_date")),
        ({"attendance_date": "2012-1-5"}, ("invalid_date", "attendance_date")),
        ({"attendance_date": "05/01/2012 10:30"}, ("invalid_date", "attendance_date")),
        ({"attendance_date": "yesterday"}, ("invalid_date", "attendance_date")),
        ({"attendance_date": "0212-01-05"}, ("date_out_of_range", "attendance_date")),
        ({"attendance_date": "31/12/1899"}, ("date_out_of_range", "attendance_date")),
        ({"attendance_date": "31/12/2011"}, ("date_outside_quarter", "attendance_date")),
        ({"attendance_date": "2012-04-01"}, ("date_outside_quarter", "attendance_date")),
        ({"attendance_date": "1900-01-01"}, ("date_outside_quarter", "attendance_date")),
    ],
)
def test_each_rule(tmp_path, changes, expected):
    result = load(tmp_path, csv_text([record(1, **changes), record(2)]))
    assert quarantined(result) == [(1, *expected)]
    assert result.accepted["row_number"].to_list() == [2]
    raw_record = json.loads(result.quarantine["raw_record"][0])
    assert list(raw_record) == HEADER
    column = expected[1]
    assert raw_record[column] == (changes[column].strip() or None)


def test_first_rule_wins_and_duplicates_take_every_row(tmp_path):
    rows = [
        record(1),
        record(2, haven="KINGS", attendance_date="2012-05-01"),  # invalid_code before the date
        record(1, haven=""),  # a duplicate: every row of the key, whatever else is wrong
        record(3, assault_type="", attendance_date="nonsense"),
        record(4, client_age="111", referral_route="GP", acute="maybe"),
    ]
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (1, "duplicate_key", "attendance_id"),
        (2, "invalid_code", "haven"),
        (3, "duplicate_key", "attendance_id"),
        (4, "required_missing", "assault_type"),
    ]
    assert result.accepted["row_number"].to_list() == [5]
    assert_accounted(result)


def test_optional_values_become_unknown_and_are_counted(tmp_path):
    rows = [
        record(1, client_ref="", referral_route="GP", acute="", forensic_exam="X",
               reported_to_police="", client_gender="F"),
        record(2, client_age="adult", client_ethnicity="W1", client_disability="",
               client_sexuality="HET", residence_borough_code="E09000034"),
        record(3, client_age="110", client_ethnicity="99", client_disability="Z",
               client_sexuality="9", reported_to_police="U", client_gender="X"),  # known unknowns
        record(4, client_age="-1", acute="N", forensic_exam="", residence_borough_code="London"),
        record(5, client_age="3.5", referral_route=""),
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == []
    assert result.warnings.rows() == [
        ("client_ref", 1),
        ("referral_route", 2),
        ("acute", 1),
        ("forensic_exam", 2),
        ("reported_to_police", 1),
        ("client_gender", 1),
        ("client_age", 3),
        ("client_ethnicity", 1),
        ("client_disability", 1),
        ("client_sexuality", 1),
        ("residence_borough_code", 2),
    ]
    first, second, third, fourth, _ = result.accepted.rows(named=True)
    assert (first["client_ref"], first["referral_route"], first["acute"], first["forensic_exam"],
            first["reported_to_police"], first["client_gender"]) == (None,) * 6  # fmt: skip  # continued lines aligned under the opening bracket
    assert (second["client_age"], second["client_ethnicity"], second["client_sexuality"],
            second["residence_borough_code"]) == (None,) * 4  # fmt: skip  # continued lines aligned under the opening bracket
    assert (third["client_age"], third["client_ethnicity"], third["reported_to_police"]) == (110, "99", "U")
    assert (fourth["acute"], fourth["client_age"]) == (False, None)
    assert result.warning_total == 16


def test_header_only_file(tmp_path):
    result = load(tmp_path, ",".join(HEADER) + "\r\n")
    assert (result.rows_read, result.accepted.height, result.quarantine.height) == (0, 0, 0)
    assert result.accepted.schema == pl.Schema(havens.OUTPUT)


# -------------------------------------------------------------------- across files


def _landed(tmp_path: Path, files: dict[str, list[dict]]) -> pl.DataFrame:
    frames = []
    for quarter, rows in files.items():
        result = load(tmp_path, csv_text(rows), quarter)
        assert quarantined(result) == []
        frames.append(result.accepted.with_columns(quarter=pl.lit(quarter), file_sha256=pl.lit(f"sha-{quarter}")))
    return pl.concat(frames)


def test_an_attendance_id_of_an_earlier_file_is_quarantined_in_the_later_one(tmp_path):
    rows = _landed(tmp_path, {
        "2012-04": [record(1, attendance_date="2012-04-02"), record(2, attendance_date="2012-05-02"),
                    record(3, attendance_date="2012-06-02")],
        # the January file arrives as well; its ids are the earliest
        "2012-01": [record(1, attendance_date="2012-01-02"), record(4, attendance_date="2012-01-09")],
        "2012-07": [record(5, attendance_date="2012-07-01"), record(2, attendance_date="2012-07-02"),
                    record(1, attendance_date="2012-07-03"), record(6, attendance_date="2012-07-04")],
    })  # fmt: skip  # one row per line, as a table
    out = havens.cross_file_failures(rows)
    assert out.schema == pl.Schema({"file_sha256": pl.Utf8, "row_number": pl.Int64, "rule": pl.Utf8})
    assert out.rows() == [
        ("sha-2012-04", 1, "duplicate_key_across_files"),  # HV-2012-00401 was sent in January
        ("sha-2012-07", 2, "duplicate_key_across_files"),  # HV-2012-00402, sent in April
        ("sha-2012-07", 3, "duplicate_key_across_files"),  # HV-2012-00401, sent in January
    ]
    audit = cross_file_quarantine(SOURCE, rows)
    assert audit.columns == ["file_sha256", "row_number", "rule", "column_name", "raw_record"]
    assert audit.select("file_sha256", "row_number", "rule").rows() == out.rows()
    assert audit["column_name"].to_list() == [None] * 3
    record_ = json.loads(audit["raw_record"][0])
    assert list(record_) == HEADER
    assert (record_["attendance_id"], record_["attendance_date"], record_["acute"]) == (
        "HV-2012-00401",
        "2012-04-02",
        "true",
    )


def test_no_rows_no_cross_file_failures():
    empty = pl.DataFrame(schema={**havens.OUTPUT, "quarter": pl.Utf8, "file_sha256": pl.Utf8})
    assert havens.cross_file_failures(empty).height == 0
    assert cross_file_quarantine(SOURCE, empty).height == 0


# ---------------------------------------------------------------------- contract


def test_rule_names_are_documented_and_pandera_checks_carry_them():
    checks = {
        check.name
        for schema in (havens.schema("2012-01"), havens.across_files_schema(havens.KEY))
        for column in schema.columns.values()
        for check in column.checks
    }
    assert checks | {"ragged_row"} == set(havens.RULES)
    for name in havens.RULES:
        assert f"`{name}`" in havens.__doc__
    assert havens.COLUMNS == tuple(HEADER)
    assert set(havens.WARNINGS) == set(HEADER) - {"attendance_id", "attendance_date", "haven", "assault_type"}
