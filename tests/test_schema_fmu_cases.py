"""Row validation of fmu_cases (schemas/fmu_cases.py) with hand-made workbooks (openpyxl) and
CSV, read by the project's reader and validated by its validator.

Every expected value is written out: which rows are quarantined under which rule and column
(named by its spreadsheet heading), the normalised values of the accepted rows (snake-case
columns), warning counts and the rows quarantined across files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from helpers import quarantined
import schemas.fmu_cases as fmu
from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import ValidationResult, cross_file_quarantine, validate

SOURCE = "fmu_cases"
LISTED = SOURCES[SOURCE].columns
HEADINGS = list(LISTED)

BASE = {
    "Case Reference": "FMU/2012/0031",
    "Date Opened": dt.date(2012, 1, 4),
    "UK Region": "London",
    "Gender": "Female",
    "Age Band": "18-21",
    "Focus Country": "Pakistan",
    "Disability": "No",
    "LGBT": "No",
    "Case Type": "Support",
}


def case(n: int = 1, **values) -> dict:
    """The valid base case with its own reference (n), changed by `values` (keys are the
    headings with `_` for spaces: Date_Opened=...)."""
    changed = {k.replace("_", " "): v for k, v in values.items()}
    return {**BASE, "Case Reference": f"FMU/2012/{n:04d}", **changed}


def workbook(tmp_path: Path, rows: list[dict], quarter: str = "2012-01", headings: list[str] | None = None) -> Path:
    """A workbook whose first sheet has the headings (as given) then the rows; a dt.date is
    written as a date cell, '' and None as an empty cell."""
    headings = headings or HEADINGS
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        values = [row.get(h.strip(), row.get(_canonical(h))) for h in headings]
        sheet.append([None if v == "" else v for v in values])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    book.create_sheet("Notes").append(["not read"])
    path = tmp_path / SOURCE / f"{quarter}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _canonical(heading: str) -> str | None:
    key = heading.strip().casefold()
    return next((h for h in HEADINGS if h.casefold() == key), None)


def load(tmp_path: Path, rows: list[dict], quarter: str = "2012-01", **kw) -> ValidationResult:
    return validate(SOURCE, read_raw(workbook(tmp_path, rows, quarter, **kw), LISTED), quarter)


# ------------------------------------------------------------------------ accepted


def test_the_spec_example_is_accepted_and_normalised(tmp_path):
    rows = [
        case(31),
        case(44, Date_Opened=dt.date(2012, 1, 11), UK_Region="West Midlands", Gender="Male",
             Age_Band="22-25", Focus_Country="Bangladesh", Disability="Yes", LGBT="Unknown",
             Case_Type="Advice"),
        case(52, Date_Opened=dt.date(2012, 1, 16), UK_Region="Unknown", Age_Band="Under 16",
             Focus_Country="Somalia", Case_Type="Overseas assistance"),
    ]  # fmt: skip  # several items to a line, grouped as they read
    result = load(tmp_path, rows)
    assert quarantined(result) == []
    assert result.warnings.height == 0
    assert result.accepted.schema == pl.Schema(fmu.OUTPUT)
    assert result.accepted.rows() == [
        (1, "FMU/2012/0031", dt.date(2012, 1, 4), "LONDON", "FEMALE", "18-21", "Pakistan", "NO",
         "NO", "SUPPORT"),
        (2, "FMU/2012/0044", dt.date(2012, 1, 11), "WEST_MIDLANDS", "MALE", "22-25",
         "Bangladesh", "YES", "UNKNOWN", "ADVICE"),
        (3, "FMU/2012/0052", dt.date(2012, 1, 16), "UNKNOWN", "FEMALE", "UNDER_16", "Somalia",
         "NO", "NO", "OVERSEAS_ASSISTANCE"),
    ]  # fmt: skip  # one row per line, as a table


def test_every_region_and_code_any_case(tmp_path):
    regions = ["London", "South East", "South West", "East of England", "East Midlands",
               "West Midlands", "Yorkshire and The Humber", "North West", "North East",
               "Wales", "Scotland", "Northern Ireland", "Unknown"]  # fmt: skip  # continued lines aligned under the opening bracket
    bands = ["Under 16", "16-17", "18-21", "22-25", "26-30", "31-40", "41+", "Unknown"]
    rows = [
        case(i + 1, UK_Region=f" {r.upper() if i % 2 else r.lower()} ",
             Age_Band=bands[i % len(bands)].upper(), Gender=["FEMALE", "male", "Unknown"][i % 3],
             Disability=["yes", "NO", " Unknown"][i % 3], LGBT=["Yes", "no", "UNKNOWN"][i % 3],
             Case_Type=["advice", "SUPPORT", "overseas ASSISTANCE"][i % 3],
             Focus_Country=["  Pakistan ", "Unknown", "India"][i % 3])
        for i, r in enumerate(regions)
    ]  # fmt: skip  # several items to a line, grouped as they read
    # headings in another case, with stray spaces, in another order
    headings = [" case reference", "DATE OPENED", *reversed([h.lower() for h in HEADINGS[2:]])]
    result = load(tmp_path, rows, headings=headings)
    assert quarantined(result) == []
    assert result.warnings.height == 0
    out = result.accepted
    assert out["uk_region"].to_list() == [
        "LONDON", "SOUTH_EAST", "SOUTH_WEST", "EAST_OF_ENGLAND", "EAST_MIDLANDS",
        "WEST_MIDLANDS", "YORKSHIRE_AND_THE_HUMBER", "NORTH_WEST", "NORTH_EAST", "WALES",
        "SCOTLAND", "NORTHERN_IRELAND", "UNKNOWN"]  # fmt: skip  # continued lines aligned under the opening bracket
    assert out["age_band"].to_list()[:8] == ["UNDER_16", "16-17", "18-21", "22-25", "26-30", "31-40", "41+", "UNKNOWN"]
    assert out["gender"].to_list()[:3] == ["FEMALE", "MALE", "UNKNOWN"]
    assert out["disability"].to_list()[:3] == ["YES", "NO", "UNKNOWN"]
    assert out["lgbt"].to_list()[:3] == ["YES", "NO", "UNKNOWN"]
    assert out["case_type"].to_list()[:3] == ["ADVICE", "SUPPORT", "OVERSEAS_ASSISTANCE"]
    assert out["focus_country"].to_list()[:3] == ["Pakistan", "Unknown", "India"]


def test_text_dates_and_a_datetime_cell(tmp_path):
    rows = [
        case(1, Date_Opened="04/01/2012"),
        case(2, Date_Opened="2012-03-31"),
        case(3, Date_Opened="5/2/2012 00:00"),
        case(4, Date_Opened=dt.datetime(2012, 2, 29, 0, 0)),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == []
    assert result.accepted["date_opened"].to_list() == [
        dt.date(2012, 1, 4),
        dt.date(2012, 3, 31),
        dt.date(2012, 2, 5),
        dt.date(2012, 2, 29),
    ]


def test_a_csv_file_is_accepted_too(tmp_path):
    path = tmp_path / SOURCE / "2012-01.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "Case Reference,Date Opened,UK Region,Gender,Age Band,Focus Country,Disability,LGBT,Case Type\r\n"
        "FMU/2012/0031,04/01/2012,London,Female,18-21,Pakistan,No,No,Support\r\n"
        'FMU/2012/0032,05/01/2012,"Yorkshire and the Humber",Female,16-17,"Congo, Democratic Republic",No,No,Advice\r\n',
        encoding="utf-8",
    )  # fmt: skip  # several items to a line, grouped as they read
    result = validate(SOURCE, read_raw(path, LISTED), "2012-01")
    assert quarantined(result) == []
    assert result.accepted["focus_country"].to_list() == ["Pakistan", "Congo, Democratic Republic"]
    assert result.accepted["uk_region"].to_list() == ["LONDON", "YORKSHIRE_AND_THE_HUMBER"]


# ------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"Case Reference": ""}, ("required_missing", "Case Reference")),
        ({"Case Reference": "   "}, ("required_missing", "Case Reference")),
        ({"Date Opened": ""}, ("required_missing", "Date Opened")),
        ({"Date Opened": "31/02/2012"}, ("invalid_date", "Date Opened")),
        ({"Date Opened": "01/13/2012"}, ("invalid_date", "Date Opened")),
        ({"Date Opened": "Jan 2012"}, ("invalid_date", "Date Opened")),
        ({"Date Opened": "1899-12-31"}, ("date_out_of_range", "Date Opened")),
        ({"Date Opened": dt.date(2011, 12, 31)}, ("date_outside_quarter", "Date Opened")),
        ({"Date Opened": dt.date(2012, 4, 1)}, ("date_outside_quarter", "Date Opened")),
        ({"Date Opened": "2021-01-05"}, ("date_outside_quarter", "Date Opened")),
    ],
)
def test_each_rule(tmp_path, changes, expected):
    result = load(tmp_path, [{**case(1), **changes}, case(2)])
    assert quarantined(result) == [(1, *expected)]
    assert result.accepted["row_number"].to_list() == [2]
    raw_record = json.loads(result.quarantine["raw_record"][0])
    assert list(raw_record) == HEADINGS  # the listed columns, by their headings
    assert raw_record["UK Region"] == "London"


def test_first_rule_wins_and_duplicates_take_every_row(tmp_path):
    rows = [
        case(1),
        case(2, Date_Opened=""),
        case(1, Date_Opened="nonsense"),  # a duplicate: every row of the key is quarantined
        case(3, Date_Opened="31/02/2012", UK_Region="Atlantis"),
        case(4, Date_Opened=dt.date(2012, 3, 31)),
    ]
    result = load(tmp_path, rows)
    assert quarantined(result) == [
        (1, "duplicate_key", "Case Reference"),
        (2, "required_missing", "Date Opened"),
        (3, "duplicate_key", "Case Reference"),
        (4, "invalid_date", "Date Opened"),
    ]
    assert result.accepted["case_reference"].to_list() == ["FMU/2012/0004"]
    assert result.rows_read == result.accepted.height + result.quarantine.height == 5
    assert json.loads(result.quarantine["raw_record"][3])["Date Opened"] == "31/02/2012"


def test_optional_values_become_unknown_and_are_counted_by_heading(tmp_path):
    rows = [
        case(1, UK_Region="", Gender="F", Age_Band="18-25"),
        case(2, UK_Region="Greater London", Focus_Country="", Disability="Y"),
        case(3, LGBT="", Case_Type="Overseas"),
        case(4, UK_Region="Unknown", Gender="Unknown", Age_Band="Unknown",
             Focus_Country="Unknown", Disability="Unknown", LGBT="Unknown"),  # no warnings
    ]  # fmt: skip  # several items to a line, grouped as they read
    result = load(tmp_path, rows)
    assert quarantined(result) == []
    assert result.warnings.rows() == [
        ("UK Region", 2),
        ("Gender", 1),
        ("Age Band", 1),
        ("Focus Country", 1),
        ("Disability", 1),
        ("LGBT", 1),
        ("Case Type", 1),
    ]
    first, second, third, fourth = result.accepted.rows(named=True)
    assert (first["uk_region"], first["gender"], first["age_band"]) == (None, None, None)
    assert (second["uk_region"], second["focus_country"], second["disability"]) == (None,) * 3
    assert (third["lgbt"], third["case_type"]) == (None, None)
    assert (fourth["uk_region"], fourth["focus_country"]) == ("UNKNOWN", "Unknown")


# -------------------------------------------------------------------- across files


def _landed(tmp_path: Path, files: dict[str, list[dict]]) -> pl.DataFrame:
    frames = []
    for quarter, rows in files.items():
        result = load(tmp_path, rows, quarter)
        assert quarantined(result) == []
        frames.append(result.accepted.with_columns(quarter=pl.lit(quarter), file_sha256=pl.lit(f"sha-{quarter}")))
    return pl.concat(frames)


def _three_quarters(tmp_path: Path) -> pl.DataFrame:
    return _landed(tmp_path, {
        "2012-01": [case(1), case(2, Date_Opened=dt.date(2012, 2, 1))],
        "2012-04": [case(3, Date_Opened=dt.date(2012, 4, 2)),
                    case(1, Date_Opened=dt.date(2012, 4, 3), UK_Region="Wales")],
        "2012-07": [case(2, Date_Opened=dt.date(2012, 7, 2)),
                    case(4, Date_Opened=dt.date(2012, 7, 3)),
                    case(3, Date_Opened=dt.date(2012, 7, 4))],
    })  # fmt: skip  # several items to a line, grouped as they read


def test_a_case_reference_of_an_earlier_file_is_quarantined_in_the_later_one(tmp_path):
    out = fmu.cross_file_failures(_three_quarters(tmp_path))
    assert out.schema == pl.Schema({"file_sha256": pl.Utf8, "row_number": pl.Int64, "rule": pl.Utf8})
    assert out.rows() == [
        ("sha-2012-04", 2, "duplicate_key_across_files"),  # FMU/2012/0001, opened in January
        ("sha-2012-07", 1, "duplicate_key_across_files"),  # FMU/2012/0002, January
        ("sha-2012-07", 3, "duplicate_key_across_files"),  # FMU/2012/0003, April
    ]


def test_cross_file_quarantine_gives_audit_rows(tmp_path):
    audit = cross_file_quarantine(SOURCE, _three_quarters(tmp_path))
    assert audit.columns == ["file_sha256", "row_number", "rule", "column_name", "raw_record"]
    assert audit.select("file_sha256", "row_number", "rule").rows() == [
        ("sha-2012-04", 2, "duplicate_key_across_files"),
        ("sha-2012-07", 1, "duplicate_key_across_files"),
        ("sha-2012-07", 3, "duplicate_key_across_files"),
    ]
    assert audit["column_name"].to_list() == [None] * 3
    # accepted rows keep no raw strings: the record holds the accepted (snake-case) values
    record = json.loads(audit["raw_record"][0])
    assert list(record) == [c for c in fmu.OUTPUT if c != "row_number"]
    assert (record["case_reference"], record["date_opened"], record["uk_region"]) == (
        "FMU/2012/0001",
        "2012-04-03",
        "WALES",
    )


# ---------------------------------------------------------------------- contract


def test_rule_names_are_documented_and_pandera_checks_carry_them():
    checks = {
        check.name
        for schema in (fmu.schema("2012-01"),)
        for column in schema.columns.values()
        for check in column.checks
    } | {"duplicate_key_across_files", "ragged_row"}
    assert checks == set(fmu.RULES)
    for name in fmu.RULES:
        assert f"`{name}`" in fmu.__doc__
    assert fmu.COLUMNS == tuple(HEADINGS)
    assert [fmu.NAMES[c] for c in fmu.COLUMNS] == [c for c in fmu.OUTPUT if c != "row_number"]
    assert set(fmu.WARNINGS) == set(HEADINGS) - {"Case Reference", "Date Opened"}
