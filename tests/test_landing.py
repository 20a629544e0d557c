"""Landing files: discovery, reading and row validation of mps_crimes, with hand-made files.

Every expected value is written out: which rows are quarantined under which rule, warning
counts, dropped columns and the rejection sentence of each whole-file case.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from helpers import assert_accounted, quarantined, warnings
import schemas.mps_crimes as mps
from pipelines.landing.files import SOURCES, discover
from pipelines.landing.read import FileRejected, read_raw
from pipelines.landing.validate import (
    ValidationResult,
    cross_file_quarantine,
    validate,
)

MPS = SOURCES["mps_crimes"].columns
HEADER = list(MPS)

BASE = {
    "crime_ref": "4417210/12",
    "last_modified": "2012-01-09T14:22:05",
    "borough_code": "E09000012",
    "reported_date": "09/01/2012",
    "recorded_date": "09/01/2012",
    "offence_date": "08/01/2012",
    "ho_offence_code": "8G",
    "classification": "CRIME",
    "no_crime_date": "",
    "flag_domestic": "Y",
    "flag_honour": "N",
    "flag_forced_marriage": "N",
    "flag_fgm": "N",
    "flag_multiple_perpetrator": "N",
    "outcome_type": "",
    "outcome_date": "",
    "cps_urn": "",
    "victim_sex": "F",
    "victim_age": "34",
    "victim_sde": "B2",
    "victim_ic": "IC3",
    "victim_disability": "N",
    "victim_sexuality": "NS",
    "suspect_sex": "M",
    "suspect_age": "36",
    "suspect_sde": "B2",
}


def record(n: int = 1, **values: str) -> dict[str, str]:
    """The valid base row with its own crime_ref (n), changed by `values`."""
    return {**BASE, "crime_ref": f"{4417210 + n}/12", **values}


def csv_text(rows: list[dict], header: list[str] | None = None, eol: str = "\n") -> str:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator=eol, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "2012-01.csv") -> Path:
    path = tmp_path / "mps_crimes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(tmp_path: Path, content: str | bytes, quarter: str = "2012-01") -> ValidationResult:
    path = write(tmp_path, content, f"{quarter}.csv")
    return validate("mps_crimes", read_raw(path, MPS), quarter)


# ---------------------------------------------------------------------- discover


def test_discover_lists_sources_and_rejects_by_name(tmp_path):
    landing = tmp_path / "landing"
    files = {
        "mps_crimes/2012-01.csv": b"a",
        "mps_crimes/2012-02.csv": b"b",
        "mps_crimes/notes.txt": b"c",
        "mps_crimes/.DS_Store": b"d",
        "mps_crimes/~$2012-04.xlsx": b"e",
        "cps_finalisations/2012-04.csv": b"f",
        "cps_finalisations/2012-04.xlsx": b"g",
        "havens_attendances/2026-07.csv": b"h",
        "havens_attendances/2026-04.csv": b"i",
        "elsewhere/2012-01.csv": b"j",
    }
    for name, data in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(data)

    found = discover(landing, dt.date(2026, 4, 1))

    assert [(f.source, f.file_name, f.quarter, f.rejected_reason) for f in found] == [
        (
            "cps_finalisations",
            "2012-04.csv",
            "2012-04",
            "cps_finalisations/2012-04.csv was rejected because "
            "cps_finalisations/2012-04.xlsx also exists for the same quarter, and only "
            "one file per quarter can be loaded.",
        ),
        (
            "cps_finalisations",
            "2012-04.xlsx",
            "2012-04",
            "cps_finalisations/2012-04.xlsx was rejected because "
            "cps_finalisations/2012-04.csv also exists for the same quarter, and only "
            "one file per quarter can be loaded.",
        ),
        ("havens_attendances", "2026-04.csv", "2026-04", None),
        (
            "havens_attendances",
            "2026-07.csv",
            "2026-07",
            "havens_attendances/2026-07.csv is for the quarter starting 2026-07-01, which "
            "is after the day of the refresh (2026-04-01).",
        ),
        (
            "mps_crimes",
            "2012-02.csv",
            None,
            "mps_crimes/2012-02.csv is not named YYYY-MM.csv or YYYY-MM.xlsx with the "
            "first month of a quarter (01, 04, 07 or 10).",
        ),
        (
            "mps_crimes",
            "notes.txt",
            None,
            "mps_crimes/notes.txt is not named YYYY-MM.csv or YYYY-MM.xlsx with the first "
            "month of a quarter (01, 04, 07 or 10).",
        ),
        ("mps_crimes", "2012-01.csv", "2012-01", None),
    ]
    assert found[-1].sha256 == hashlib.sha256(b"a").hexdigest()
    assert found[-1].path == landing / "mps_crimes" / "2012-01.csv"


# -------------------------------------------------------------------------- read


def test_a_clean_file_is_accepted_with_typed_values(tmp_path):
    rows = [
        record(1),
        record(
            2,
            last_modified="2012-03-28 09:10",  # BST: 08:10 UTC
            ho_offence_code=" 4.1 ",
            classification="crime",
            flag_domestic="",
            flag_honour="y",
            outcome_type="01",
            outcome_date="2012-03-28 00:00:00",
            cps_urn=" 01kd1234512 ",
            victim_age="36.0",
            victim_sde="w1",
        ),
    ]
    result = load(tmp_path, csv_text(rows))

    assert quarantined(result) == []
    assert result.accepted.schema == pl.Schema(mps.OUTPUT)
    second = result.accepted.row(1, named=True)
    assert second["last_modified"] == dt.datetime(2012, 3, 28, 8, 10)
    assert result.accepted["last_modified"][0] == dt.datetime(2012, 1, 9, 14, 22, 5)  # GMT
    assert second["ho_offence_code"] == "4/1"
    assert second["classification"] == "CRIME"
    assert (second["flag_domestic"], second["flag_honour"]) == (False, True)
    assert second["outcome_type"] == "1"
    assert second["outcome_date"] == dt.date(2012, 3, 28)
    assert second["cps_urn"] == "01KD1234512"
    assert (second["victim_age"], second["victim_sde"]) == (36, "W1")
    assert second["reported_date"] == dt.date(2012, 1, 9)
    assert warnings(result) == {}
    assert_accounted(result)


def test_bom_crlf_blank_lines_and_quoted_fields(tmp_path):
    text = csv_text([record(1), record(2), record(3)], eol="\r\n")
    lines = text.split("\r\n")
    # blank lines (empty, spaces only, commas only) are skipped and not counted
    lines.insert(1, "")
    lines.insert(3, "   ")
    lines.insert(4, ",,,")
    content = "\ufeff" + "\r\n".join(lines)
    # a quoted field with a comma and a line break, in a listed column
    content = content.replace("4417212/12,", '"4417212/12",', 1).replace(",F,34,", ',F,"34",', 1)
    path = write(tmp_path, content.encode("utf-8"))
    raw = read_raw(path, MPS)
    assert raw.data.columns[:2] == ["row_number", "crime_ref"]  # BOM not in the name
    assert raw.data["crime_ref"].to_list() == ["4417211/12", "4417212/12", "4417213/12"]
    assert raw.data["row_number"].to_list() == [1, 2, 3]
    assert raw.columns_dropped == ()


def test_quoted_commas_and_line_breaks_stay_in_their_field(tmp_path):
    header = HEADER + ["notes"]
    rows = [record(1, notes='said: "no", then left\r\nnext day'), record(2, notes="a,b")]
    result = load(tmp_path, csv_text(rows, header))
    assert result.accepted["crime_ref"].to_list() == ["4417211/12", "4417212/12"]
    assert result.columns_dropped == ("notes",)
    assert_accounted(result)


def test_windows_1252_file(tmp_path):
    header = HEADER + ["victim_name"]
    text = csv_text([record(1, victim_name="Zoë Brontë", victim_sde="É1")], header)
    path = write(tmp_path, text.encode("cp1252"))
    raw = read_raw(path, MPS)
    assert raw.data["victim_sde"].to_list() == ["É1"]
    result = validate("mps_crimes", raw, "2012-01")
    assert result.accepted["victim_sde"].to_list() == [None]
    assert warnings(result) == {"victim_sde": 1}


def test_unlisted_personal_columns_are_dropped_and_never_shown(tmp_path):
    header = [" Crime_Ref ", *HEADER[1:], "victim_name", "Victim DOB", ""]
    rows = [
        record(1, victim_name="Jane Doe", **{"Victim DOB": "01/02/1980", "": "07700 900123"}),
        record(1, victim_name="Jane Doe", **{"Victim DOB": "01/02/1980", "": "07700 900123"}),
        record(2, borough_code="E09000001", victim_name="Jane Doe"),
        record(3, victim_name="Jane Doe"),
    ]
    for r in rows:
        r[" Crime_Ref "] = r["crime_ref"]
    result = load(tmp_path, csv_text(rows, header))

    assert result.columns_dropped == ("victim_name", "Victim DOB", "(unnamed column 29)")
    assert quarantined(result) == [
        (1, "duplicate_key", "crime_ref"),
        (2, "duplicate_key", "crime_ref"),
        (3, "invalid_code", "borough_code"),
    ]
    everything = json.dumps(
        [
            result.accepted.with_columns(pl.all().cast(pl.Utf8)).rows(),
            result.quarantine.rows(),
            result.warnings.rows(),
            list(result.columns_dropped),
        ]
    )
    for secret in ("Jane", "Doe", "1980", "07700"):
        assert secret not in everything
    assert set(json.loads(result.quarantine["raw_record"][0])) == set(HEADER)


def test_ragged_rows_are_quarantined_and_the_rest_loads(tmp_path):
    text = csv_text([record(1), record(2), record(3), record(4)])
    lines = text.splitlines()
    lines[2] = lines[2] + ",surplus"  # row 2: one field too many
    lines[3] = ",".join(lines[3].split(",")[:-2])  # row 3: two fields short
    result = load(tmp_path, "\n".join(lines) + "\n")

    assert quarantined(result) == [(2, "ragged_row", None), (3, "ragged_row", None)]
    assert result.accepted["row_number"].to_list() == [1, 4]
    short = json.loads(result.quarantine["raw_record"][1])
    assert list(short) == HEADER
    assert short["crime_ref"] == "4417213/12"
    assert (short["suspect_age"], short["suspect_sde"]) == (None, None)
    assert_accounted(result)


def test_ragged_rows_do_not_show_values_when_columns_were_dropped(tmp_path):
    text = csv_text([record(1, secret="x"), record(2, secret="Jane Doe")], HEADER + ["secret"])
    lines = text.splitlines()
    lines[2] = lines[2].replace("Jane Doe", "Jane,Doe")
    result = load(tmp_path, "\n".join(lines))
    assert quarantined(result) == [(2, "ragged_row", None)]
    assert result.quarantine["raw_record"].to_list() == ["{}"]
    assert result.columns_dropped == ("secret",)


def test_a_missing_optional_column_is_blank_throughout(tmp_path):
    header = [c for c in HEADER if c != "victim_sexuality"]
    result = load(tmp_path, csv_text([record(1), record(2)], header))
    assert result.accepted["victim_sexuality"].to_list() == [None, None]
    assert warnings(result) == {"victim_sexuality": 2}


def test_header_only_file_is_accepted_with_no_rows(tmp_path):
    result = load(tmp_path, ",".join(HEADER) + "\r\n\r\n")
    assert result.rows_read == 0
    assert result.accepted.height == 0 and result.quarantine.height == 0
    assert result.accepted.schema == pl.Schema(mps.OUTPUT)
    assert result.warnings.height == 0


def test_xlsx_first_sheet_with_date_cells(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = [c.upper() if c == "crime_ref" else c for c in HEADER] + ["victim_name"]
    sheet.append(header)
    values = {
        **record(1),
        "last_modified": dt.datetime(2012, 1, 9, 14, 22, 5),
        "reported_date": dt.date(2012, 1, 9),
        "recorded_date": dt.datetime(2012, 1, 9),
        "offence_date": "08/01/2012",
        "victim_age": 36.0,
        "suspect_age": 36,
        "outcome_type": 16,
        "outcome_date": dt.date(2012, 3, 28),
        "victim_name": "Jane Doe",
    }
    sheet.append([values.get(c, values.get(c.lower())) for c in header])
    sheet.append([None] * len(header))  # a blank row: skipped
    sheet.append([values.get(c, values.get(c.lower())) for c in header])
    sheet.cell(row=4, column=1, value="4417299/12")
    workbook.create_sheet("Other").append(["ignored"])
    path = tmp_path / "mps_crimes" / "2012-01.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)

    raw = read_raw(path, MPS)
    first = raw.data.row(0, named=True)
    assert first["last_modified"] == "2012-01-09T14:22:05"
    assert first["reported_date"] == "2012-01-09"
    assert first["victim_age"] == "36"
    assert first["outcome_type"] == "16"
    assert raw.data["row_number"].to_list() == [1, 2]
    assert raw.columns_dropped == ("victim_name",)
    result = validate("mps_crimes", raw, "2012-01")
    assert quarantined(result) == []
    assert result.accepted["recorded_date"].to_list() == [dt.date(2012, 1, 9)] * 2


def test_fmu_headings_keep_their_spelling(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["case reference ", "DATE OPENED", "Gender", "Name"])
    workbook.active.append(["FMU-1", dt.date(2012, 1, 5), "Female", "Jane Doe"])
    path = tmp_path / "fmu_cases" / "2012-01.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    raw = read_raw(path, SOURCES["fmu_cases"].columns)
    assert raw.data.columns == ["row_number", *SOURCES["fmu_cases"].columns]
    assert raw.data.row(0, named=True)["Case Reference"] == "FMU-1"
    assert raw.data.row(0, named=True)["Date Opened"] == "2012-01-05"
    assert raw.columns_dropped == ("Name",)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("2012-01.csv", b"", "mps_crimes/2012-01.csv has no header row: the file is empty."),
        (
            "2012-01.csv",
            b"\r\n  \r\n\r\n",
            "mps_crimes/2012-01.csv has no header row: the file is empty.",
        ),
        (
            "2012-01.csv",
            b"crime_ref\x00\x01\x02\x03binary",
            "mps_crimes/2012-01.csv is not a CSV text file: it contains binary data.",
        ),
        (
            "2012-01.csv",
            bytes(range(1, 9)) * 40 + b"crime_ref",
            "mps_crimes/2012-01.csv is not a CSV text file: it contains binary data.",
        ),
        (
            "2012-01.csv",
            b"PK\x03\x04 a zip",
            "mps_crimes/2012-01.csv is not a CSV text file: it looks like a zip archive or Excel workbook.",
        ),
        (
            "2012-01.xlsx",
            b"crime_ref,borough_code\n",
            "mps_crimes/2012-01.xlsx is not a readable Excel workbook (.xlsx).",
        ),
        ("2012-01.txt", b"x", "mps_crimes/2012-01.txt is neither a .csv nor an .xlsx file."),
        (
            "2012-01.csv",
            ",".join(c for c in HEADER if c not in ("borough_code", "outcome_date")).encode(),
            "mps_crimes/2012-01.csv lacks the required columns 'borough_code', 'outcome_date'.",
        ),
        (
            "2012-01.csv",
            ",".join([*HEADER, " CRIME_REF"]).encode(),
            "mps_crimes/2012-01.csv has more than one column named 'CRIME_REF' (names are "
            "compared ignoring case and surrounding spaces).",
        ),
    ],
)
def test_whole_file_rejections(tmp_path, name, content, reason):
    path = write(tmp_path, content, name)
    with pytest.raises(FileRejected) as caught:
        read_raw(path, MPS)
    assert caught.value.reason == reason
    assert str(caught.value) == reason


def test_unreadable_file_is_rejected(tmp_path):
    with pytest.raises(FileRejected, match=r"^mps_crimes/2012-01\.csv cannot be read \("):
        read_raw(tmp_path / "mps_crimes" / "2012-01.csv", MPS)


# ----------------------------------------------------------------------- rules

# (changes to the base row, quarter) -> (rule, column) of its quarantine
RULE_CASES = {
    "required crime_ref": ({"crime_ref": " "}, ("required_missing", "crime_ref")),
    "required last_modified": ({"last_modified": ""}, ("required_missing", "last_modified")),
    "required borough": ({"borough_code": ""}, ("required_missing", "borough_code")),
    "required reported": ({"reported_date": ""}, ("required_missing", "reported_date")),
    "required recorded": ({"recorded_date": ""}, ("required_missing", "recorded_date")),
    "required classification": (
        {"classification": ""},
        ("required_missing", "classification"),
    ),
    "offence code blank for a crime": (
        {"ho_offence_code": ""},
        ("required_missing", "ho_offence_code"),
    ),
    "no_crime_date missing for NO_CRIME": (
        {"classification": "NO_CRIME"},
        ("required_missing", "no_crime_date"),
    ),
    "outcome_date missing with an outcome": (
        {"outcome_type": "16"},
        ("required_missing", "outcome_date"),
    ),
    "crime_ref format": ({"crime_ref": "441721/12"}, ("invalid_format", "crime_ref")),
    "offence code format": ({"ho_offence_code": "8/123"}, ("invalid_format", "ho_offence_code")),
    "offence code letters first": (
        {"ho_offence_code": "A1"},
        ("invalid_format", "ho_offence_code"),
    ),
    "City of London": ({"borough_code": "E09000001"}, ("invalid_code", "borough_code")),
    "not a borough": ({"borough_code": "E09000034"}, ("invalid_code", "borough_code")),
    "classification": ({"classification": "CRIMES"}, ("invalid_code", "classification")),
    "outcome 19 (fraud)": (
        {"outcome_type": "19", "outcome_date": "28/03/2012"},
        ("invalid_code", "outcome_type"),
    ),
    "unknown outcome": (
        {"outcome_type": "X", "outcome_date": "28/03/2012"},
        ("invalid_code", "outcome_type"),
    ),
    "flag X": ({"flag_fgm": "X"}, ("invalid_flag", "flag_fgm")),
    "flag Yes": (
        {"flag_multiple_perpetrator": "Yes"},
        ("invalid_flag", "flag_multiple_perpetrator"),
    ),
    "timestamp without time": (
        {"last_modified": "09/01/2012"},
        ("invalid_timestamp", "last_modified"),
    ),
    "timestamp month 13": (
        {"last_modified": "2012-13-01T10:00:00"},
        ("invalid_timestamp", "last_modified"),
    ),
    "date text": ({"reported_date": "yesterday"}, ("invalid_date", "reported_date")),
    "31 February": ({"recorded_date": "31/02/2012"}, ("invalid_date", "recorded_date")),
    "date with a time": ({"reported_date": "09/01/2012 10:00"}, ("invalid_date", "reported_date")),
    "invalid no_crime_date": (
        {"classification": "NO_CRIME", "no_crime_date": "soon"},
        ("invalid_date", "no_crime_date"),
    ),
    "invalid outcome_date with an outcome": (
        {"outcome_type": "16", "outcome_date": "2012-02-30"},
        ("invalid_date", "outcome_date"),
    ),
    "before 1900": (
        {"reported_date": "31/12/1899", "offence_date": ""},
        ("date_out_of_range", "reported_date"),
    ),
    "after the quarter": ({"recorded_date": "2012-04-01"}, ("date_out_of_range", "recorded_date")),
    "no_crime_date after the quarter": (
        {"classification": "NO_CRIME", "no_crime_date": "01/04/2012"},
        ("date_out_of_range", "no_crime_date"),
    ),
    "outcome_date after the quarter": (
        {"outcome_type": "16", "outcome_date": "01/04/2012"},
        ("date_out_of_range", "outcome_date"),
    ),
    # London midnight 2012-04-01 (BST) is 2012-03-31T23:00Z
    "last_modified at London midnight": (
        {"last_modified": "2012-04-01 00:00:00"},
        ("date_out_of_range", "last_modified"),
    ),
    "last_modified in UTC after London midnight": (
        {"last_modified": "2012-03-31T23:30:00Z"},
        ("date_out_of_range", "last_modified"),
    ),
    "no_crime_date on a crime": (
        {"no_crime_date": "10/01/2012"},
        ("must_be_blank", "no_crime_date"),
    ),
    "outcome on a no-crime": (
        {"classification": "NO_CRIME", "no_crime_date": "10/01/2012", "outcome_type": "16",
         "outcome_date": "28/03/2012"},
        ("must_be_blank", "outcome_type"),
    ),
    "outcome on an incident": (
        {"classification": "INCIDENT", "outcome_type": "1", "outcome_date": "28/03/2012"},
        ("must_be_blank", "outcome_type"),
    ),
    "recorded before reported": (
        {"recorded_date": "08/01/2012", "offence_date": ""},
        ("recorded_before_reported", "recorded_date"),
    ),
    "offence after reported": (
        {"offence_date": "10/01/2012"},
        ("offence_after_reported", "offence_date"),
    ),
    "outcome before recorded": (
        {"outcome_type": "16", "outcome_date": "08/01/2012"},
        ("outcome_before_recorded", "outcome_date"),
    ),
}  # fmt: skip  # one row per line, as a table


@pytest.mark.parametrize("changes, expected", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_each_rule(tmp_path, changes, expected):
    result = load(tmp_path, csv_text([record(1), record(2, **changes), record(3)]))
    assert quarantined(result) == [(2, *expected)]
    assert result.accepted["row_number"].to_list() == [1, 3]
    raw_record = json.loads(result.quarantine["raw_record"][0])
    assert list(raw_record) == HEADER
    for column, value in changes.items():
        assert raw_record[column] == (value if value.strip() else None)
    assert_accounted(result)


def dated(n: int, day: str, **changes: str) -> dict[str, str]:
    """A row reported, recorded and modified on `day` (DD/MM/YYYY), changed by `changes`."""
    d, m, y = day.split("/")
    dates = dict(last_modified=f"{y}-{m}-{d}T10:00:00", reported_date=day,
                 recorded_date=day, offence_date="")  # fmt: skip  # continued lines aligned under the opening bracket
    return record(n, **{**dates, **changes})


@pytest.mark.parametrize(
    "quarter, before, from_date, column",
    [
        # 8Q from 2012-11-25, by offence_date
        ("2012-10", dated(1, "30/11/2012", ho_offence_code="8Q", offence_date="24/11/2012"),
         dated(2, "30/11/2012", ho_offence_code="8Q", offence_date="25/11/2012"),
         "ho_offence_code"),
        # offence_date unknown: the recorded date decides
        ("2012-10", dated(1, "24/11/2012", ho_offence_code="8Q"),
         dated(2, "25/11/2012", ho_offence_code="8Q"), "ho_offence_code"),
        # 106 from 2015-07-31
        ("2015-07", dated(1, "30/07/2015", ho_offence_code="106", offence_date="30/07/2015"),
         dated(2, "31/07/2015", ho_offence_code="106", offence_date="31/07/2015"),
         "ho_offence_code"),
        # outcome 21 from 2016-01-01, 22 from 2019-04-01, by outcome_date
        ("2016-01", dated(1, "01/12/2015", outcome_type="21", outcome_date="31/12/2015"),
         dated(2, "01/12/2015", outcome_type="21", outcome_date="01/01/2016"), "outcome_type"),
        ("2019-04", dated(1, "01/03/2019", outcome_type="22", outcome_date="31/03/2019"),
         dated(2, "01/03/2019", outcome_type="22", outcome_date="01/04/2019"), "outcome_type"),
    ],
)  # fmt: skip  # several items to a line, grouped as they read
def test_codes_before_they_came_into_force(tmp_path, quarter, before, from_date, column):
    result = load(tmp_path, csv_text([before, from_date]), quarter)
    assert quarantined(result) == [(1, "code_not_in_force", column)]
    assert result.accepted["row_number"].to_list() == [2]


def test_blank_offence_code_is_allowed_for_an_incident(tmp_path):
    result = load(tmp_path, csv_text([record(1, classification="INCIDENT", ho_offence_code="")]))
    assert quarantined(result) == []
    assert result.accepted["ho_offence_code"].to_list() == [None]


def test_first_rule_wins_and_duplicates_take_every_row(tmp_path):
    rows = [
        record(1, borough_code="", recorded_date="01/01/2012", offence_date=""),
        record(2),
        record(2, reported_date="nonsense"),
        record(3, victim_age="150", cps_urn="02AB1234512", classification="no_crime",
               no_crime_date="10/01/2012"),
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == [
        (1, "required_missing", "borough_code"),
        (2, "duplicate_key", "crime_ref"),
        (3, "duplicate_key", "crime_ref"),
    ]
    accepted = result.accepted.row(0, named=True)
    assert (accepted["victim_age"], accepted["cps_urn"]) == (None, None)
    assert accepted["classification"] == "NO_CRIME"
    assert warnings(result) == {"cps_urn": 1, "victim_age": 1}
    assert_accounted(result)


def test_warnings_count_unknown_optional_values(tmp_path):
    rows = [
        record(1, offence_date="", victim_sex="", victim_ic="IC9", suspect_sex="",
               suspect_age="", suspect_sde=""),  # no suspect: no warning for the suspect
        record(2, offence_date="1899-12-31", victim_age="3.5", suspect_age="",
               suspect_sde="Z9", outcome_date="not yet"),
        record(3, victim_disability="maybe", victim_sexuality="", suspect_sex="X",
               flag_domestic="", outcome_type="", cps_urn=""),
        record(4, offence_date="09/01/2012 00:00", victim_age="111", suspect_age="0"),
    ]  # fmt: skip  # one row per line, as a table
    result = load(tmp_path, csv_text(rows))
    assert quarantined(result) == []
    assert result.warnings.schema == pl.Schema({"column_name": pl.Utf8, "warning_count": pl.Int64})
    assert result.warnings.rows() == [
        ("offence_date", 2),
        ("outcome_date", 1),
        ("victim_sex", 1),
        ("victim_age", 2),
        ("victim_ic", 1),
        ("victim_disability", 1),
        ("victim_sexuality", 1),
        ("suspect_sex", 1),
        ("suspect_age", 1),
        ("suspect_sde", 1),
    ]
    fourth = result.accepted.row(3, named=True)
    assert (fourth["offence_date"], fourth["victim_age"], fourth["suspect_age"]) == (
        dt.date(2012, 1, 9),
        None,
        0,
    )
    assert result.warning_total == 12


def test_rule_names_are_documented_and_pandera_checks_carry_them():
    checks = {
        check.name
        for schema in (mps.schema("2012-01"), mps.scope_schema())
        for column in schema.columns.values()
        for check in column.checks
    }
    assert checks | {"ragged_row"} == set(mps.RULES)
    for name in mps.RULES:
        assert f"`{name}`" in mps.__doc__


def test_seeds_hold_the_code_lists():
    strands = mps.offence_strands()
    assert strands.height == 28
    assert strands.filter(pl.col("in_force_from").is_not_null()).rows() == [
        ("8Q", "stalking_harassment", dt.date(2012, 11, 25)),
        ("106", "trafficking_exploitation", dt.date(2015, 7, 31)),
    ]
    outcomes = mps.outcome_types()["outcome_type"].to_list()
    assert outcomes == [str(i) for i in range(1, 23) if i != 19]
    assert mps.mps_boroughs() == tuple(f"E090000{i:02d}" for i in range(2, 34))


def test_well_formed_csv_is_not_parsed_row_by_row(tmp_path, monkeypatch):
    """Only a file with ragged rows takes Python's csv module, record by record."""
    import pipelines.landing.read as read_module

    def row_by_row(*args):
        raise AssertionError("the row-by-row reader was used")

    monkeypatch.setattr(read_module, "_read_csv_exact", row_by_row)
    header, line = csv_text([record(1)]).splitlines()
    body = "\n".join(line.replace("4417211/12", f"{1000000 + i:07d}/12") for i in range(20_000))
    path = write(tmp_path, header + "\n" + body + "\n")
    result = validate("mps_crimes", read_raw(path, MPS), "2012-01")
    assert result.accepted.height == 20_000


TIMESTAMPS = {
    "2012-01-09T14:22:05": dt.datetime(2012, 1, 9, 14, 22, 5),  # GMT
    "2012-06-01 12:00": dt.datetime(2012, 6, 1, 11, 0),  # BST
    "2012-06-01T12:00:00Z": dt.datetime(2012, 6, 1, 12, 0),
    "2012-06-01T12:00:00+01:00": dt.datetime(2012, 6, 1, 11, 0),
    "2012-06-01T12:00-05:30": dt.datetime(2012, 6, 1, 17, 30),
    "01/06/2012 12:00": dt.datetime(2012, 6, 1, 11, 0),
    "1/6/2012 9:05:07": dt.datetime(2012, 6, 1, 8, 5, 7),
    "2012-10-28 01:30:00": dt.datetime(2012, 10, 28, 0, 30),  # repeated hour: BST reading
    "2012-03-25 01:30:00": dt.datetime(2012, 3, 25, 1, 30),  # skipped hour: read as GMT
    "2012-1-9 14:22": None,
    "2012-01-09": None,
    "2012-01-09T25:00:00": None,
    "2012-01-09T10:00:00+01:60": None,
    "2012-01-09T10:00:00.5": None,
    "09/01/2012T10:00": None,
}
DATES = {
    "2012-01-09": dt.date(2012, 1, 9),
    "9/1/2012": dt.date(2012, 1, 9),
    "09/01/2012": dt.date(2012, 1, 9),
    "09/01/2012 00:00": dt.date(2012, 1, 9),
    "2012-01-09T00:00:00": dt.date(2012, 1, 9),
    "2012-01-09 10:00": None,
    "2012-1-9": None,
    "31/02/2012": None,
    "1/13/2012": None,
    "9 Jan 2012": None,
}


def test_timestamp_and_date_forms():
    from schemas import parsing

    ts = pl.DataFrame({"v": list(TIMESTAMPS)}).select(parsing.timestamp_utc(pl.col("v")))
    assert dict(zip(TIMESTAMPS, ts.to_series().to_list())) == TIMESTAMPS
    dates = pl.DataFrame({"v": list(DATES)}).select(parsing.date(pl.col("v")))
    assert dict(zip(DATES, dates.to_series().to_list())) == DATES
    ints = pl.DataFrame({"v": ["36", "36.0", "036", "36.5", "+36", "-1", "3e1"]})
    assert ints.select(parsing.integer(pl.col("v"))).to_series().to_list() == [36, 36, 36, None, None, None, None]


# ------------------------------------------------------------------ out of scope


def versions(*rows: tuple) -> pl.DataFrame:
    """(crime_ref, quarter, last_modified, classification, code, flag_domestic,
    flag_multiple_perpetrator) per version; one file per quarter."""
    frame = pl.DataFrame(
        rows,
        schema={
            "crime_ref": pl.Utf8,
            "quarter": pl.Utf8,
            "last_modified": pl.Datetime("us"),
            "classification": pl.Utf8,
            "ho_offence_code": pl.Utf8,
            "flag_domestic": pl.Boolean,
            "flag_multiple_perpetrator": pl.Boolean,
        },
        orient="row",
    )
    return frame.with_columns(
        file_sha256=pl.format("sha-{}", pl.col("quarter")),
        row_number=pl.int_range(pl.len()).over("quarter").cast(pl.Int64) + 1,
        flag_honour=pl.lit(False),
        flag_forced_marriage=pl.lit(False),
        flag_fgm=pl.lit(False),
    )


def test_out_of_scope_versions_without_an_earlier_in_scope_one(tmp_path):
    t = dt.datetime
    frame = versions(
        # A: rape, then reclassified out of scope: both kept
        ("0000001/12", "2012-01", t(2012, 1, 5), "CRIME", "19C", False, False),
        ("0000001/12", "2012-04", t(2012, 5, 5), "CRIME", "8G", False, False),
        # B: never in scope
        ("0000002/12", "2012-01", t(2012, 1, 6), "CRIME", "58A", False, False),
        # C: an incident is in no strand, whatever its code
        ("0000003/12", "2012-01", t(2012, 1, 7), "INCIDENT", "19C", False, False),
        # D: an incident with a domestic flag
        ("0000004/12", "2012-01", t(2012, 1, 8), "INCIDENT", None, True, False),
        # E: multiple perpetrators alone does not bring a record into scope
        ("0000005/12", "2012-01", t(2012, 1, 9), "CRIME", "8G", False, True),
        # F: out-of-scope version first sent, then an older in-scope state resent later
        ("0000006/12", "2012-01", t(2012, 2, 1), "CRIME", "8G", False, False),
        ("0000006/12", "2012-04", t(2012, 1, 10), "CRIME", "20A", False, False),
        # G: out of scope first, in scope only later: the first is quarantined
        ("0000007/12", "2012-01", t(2012, 1, 11), "CRIME", "8G", False, False),
        ("0000007/12", "2012-04", t(2012, 5, 11), "CRIME", "8G", True, False),
        # H: a no-crime in a strand
        ("0000008/12", "2012-01", t(2012, 1, 12), "NO_CRIME", "20A", False, False),
    )
    out = mps.cross_file_failures(frame)
    assert out.schema == pl.Schema({"file_sha256": pl.Utf8, "row_number": pl.Int64, "rule": pl.Utf8})
    assert out.rows() == [
        ("sha-2012-01", 2, "out_of_scope"),  # B
        ("sha-2012-01", 3, "out_of_scope"),  # C
        ("sha-2012-01", 5, "out_of_scope"),  # E
        ("sha-2012-01", 7, "out_of_scope"),  # G, first version
    ]
    audit = cross_file_quarantine(
        "mps_crimes", frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in mps.COLUMNS if c not in frame.columns)
    )
    assert audit.columns == ["file_sha256", "row_number", "rule", "column_name", "raw_record"]
    assert json.loads(audit["raw_record"][0])["ho_offence_code"] == "58A"


@pytest.mark.parametrize("source", list(SOURCES))
def test_rules_across_files_of_a_source_with_no_stored_file_take_out_nothing(source, tmp_path):
    """A source that has sent nothing yet (issue 18: an agency not started) is scanned from an
    empty raw store as a frame without columns: its rules across files take out no row, rather
    than failing on a missing key column (seen for CPS's `urn` in a police-only refresh)."""
    from pipelines.landing.load import current_rows
    from pipelines.landing.validate import cross_file_columns, cross_file_failures
    from pipelines.store import RawStore

    rows = current_rows(RawStore(tmp_path / "store"), source, columns=cross_file_columns(source))
    out = cross_file_failures(source, rows)
    assert out.height == 0 and out.columns == ["file_sha256", "row_number", "rule"]
