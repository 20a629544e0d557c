"""Bad inputs for every source, from the generated corpus of `tests/bad_inputs.py`.

Complements `test_landing.py` (hand-made mps_crimes cases): the same kinds of damage for all
five sources, at the level of `discover`, `read_raw`, `validate`, `cross_file_quarantine`
and `validate_landing` / `vawg validate` (never a refresh: too slow for this file). Every
outcome is written out: the file's rejection sentence, or which rows were quarantined under
which rule; every accepted file accounts for each row read once.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import bad_inputs as bad  # noqa: E402
from helpers import assert_accounted, quarantined, warnings  # noqa: E402

from pipelines.cli import EXIT_OK, EXIT_REJECTED, main  # noqa: E402
from pipelines.landing.files import SOURCES, discover  # noqa: E402
from pipelines.landing.read import FileRejected, read_raw  # noqa: E402
from pipelines.landing.validate import (  # noqa: E402
    ValidationResult,
    cross_file_quarantine,
    validate,
)
from pipelines.validate_only import validate_landing  # noqa: E402

TODAY = dt.date(2026, 11, 29)
ALL = bad.SOURCE_NAMES
# The column a within-file duplicate key is reported against.
KEY_COLUMN = {
    "mps_crimes": "crime_ref",
    "cps_finalisations": "urn",
    "havens_attendances": "attendance_id",
    "fmu_cases": "Case Reference",
    "service_returns": "provider_id",
}
WITH_DATES = [s for s in ALL if bad.PROFILES[s].date]
WITH_AGES = [s for s in ALL if bad.PROFILES[s].age]


# ------------------------------------------------------------------------ helpers


def one_sentence(reason: str | None, label: str) -> None:
    assert reason, f"{label} was not rejected"
    assert reason.startswith(label), reason
    assert reason.endswith("."), reason
    assert "\n" not in reason and "\r" not in reason, reason


def write_case(tmp_path: Path, source: str, case: str) -> Path:
    landing = tmp_path / "landing"
    for name, content in bad.corpus(source)[case].items():
        bad.write_file(landing, source, name, content)
    return landing


def run(tmp_path: Path, source: str, case: str) -> ValidationResult:
    """Discover, read and validate the single file of a case (must be loadable)."""
    (found,) = discover(write_case(tmp_path, source, case), TODAY)
    assert found.rejected_reason is None, found.rejected_reason
    result = validate(source, read_raw(found.path, SOURCES[source].columns), found.quarter)
    assert_accounted(result)
    return result


def rejection(tmp_path: Path, source: str, case: str) -> str:
    (found,) = discover(write_case(tmp_path, source, case), TODAY)
    assert found.rejected_reason is None, found.rejected_reason
    with pytest.raises(FileRejected) as caught:
        read_raw(found.path, SOURCES[source].columns)
    one_sentence(caught.value.reason, f"{source}/{found.file_name}")
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def every_text(result: ValidationResult) -> list[str]:
    """str() of every value anywhere in the result: accepted frame, quarantine (raw_record
    and its parsed values), warnings and dropped column names."""
    texts = []
    for frame in (result.accepted, result.quarantine, result.warnings):
        for row in frame.iter_rows():
            texts.extend(str(v) for v in row)
    for record in result.quarantine["raw_record"]:
        texts.extend(str(v) for v in json.loads(record).values())
    texts.extend(result.columns_dropped)
    return texts


def kept_values(result: ValidationResult) -> set[str]:
    """Casefolded values of accepted rows and of quarantined rows' raw_record."""
    values = {str(v).casefold() for row in result.accepted.iter_rows() for v in row}
    for record in result.quarantine["raw_record"]:
        values |= {str(v).casefold() for v in json.loads(record).values()}
    return values


# ----------------------------------------------------------- file-level rejections


@pytest.mark.parametrize(
    "case, name",
    [
        ("bad_name_month", "2012-02.csv"),
        ("bad_name_digits", "2012-1.csv"),
        ("bad_name_order", "Q1-2012.csv"),
    ],
)
@pytest.mark.parametrize("source", ALL)
def test_wrong_file_name_is_rejected(tmp_path, source, case, name):
    (found,) = discover(write_case(tmp_path, source, case), TODAY)
    assert found.file_name == name and found.quarter is None
    assert found.rejected_reason == (
        f"{source}/{name} is not named YYYY-MM.csv or YYYY-MM.xlsx with the first month "
        f"of a quarter (01, 04, 07 or 10)."
    )
    one_sentence(found.rejected_reason, f"{source}/{name}")


@pytest.mark.parametrize("source", ALL)
def test_quarter_after_the_refresh_day_is_rejected(tmp_path, source):
    (found,) = discover(write_case(tmp_path, source, "future_quarter"), TODAY)
    assert found.rejected_reason == (
        f"{source}/2099-01.csv is for the quarter starting 2099-01-01, which is after the "
        f"day of the refresh (2026-11-29)."
    )
    one_sentence(found.rejected_reason, f"{source}/2099-01.csv")


@pytest.mark.parametrize("source", ALL)
def test_csv_and_xlsx_for_one_quarter_are_both_rejected(tmp_path, source):
    found = discover(write_case(tmp_path, source, "csv_and_xlsx"), TODAY)
    assert [f.file_name for f in found] == ["2012-01.csv", "2012-01.xlsx"]
    csv_file, xlsx_file = found
    assert csv_file.rejected_reason == (
        f"{source}/2012-01.csv was rejected because {source}/2012-01.xlsx also exists for "
        f"the same quarter, and only one file per quarter can be loaded."
    )
    assert xlsx_file.rejected_reason == (
        f"{source}/2012-01.xlsx was rejected because {source}/2012-01.csv also exists for "
        f"the same quarter, and only one file per quarter can be loaded."
    )
    for f in found:
        one_sentence(f.rejected_reason, f"{source}/{f.file_name}")


@pytest.mark.parametrize("source", ALL)
def test_either_format_alone_loads(tmp_path, source):
    """The .xlsx of the csv_and_xlsx case is itself a good file: rejection is for the pair."""
    content = bad.corpus(source)["csv_and_xlsx"]["2012-01.xlsx"]
    path = bad.write_file(tmp_path, source, "2012-01.xlsx", content)
    result = validate(source, read_raw(path, SOURCES[source].columns), bad.QUARTER)
    assert (result.rows_read, result.rows_loaded, quarantined(result)) == (1, 1, [])


def _expected_rejection(source: str, case: str) -> str:
    p = bad.PROFILES[source]
    return {
        "empty": f"{source}/2012-01.csv has no header row: the file is empty.",
        "missing_required": f"{source}/2012-01.csv lacks the required column '{p.required}'.",
        "duplicate_column": (
            f"{source}/2012-01.csv has more than one column named '{p.key.upper()}' (names "
            f"are compared ignoring case and surrounding spaces)."
        ),
        "binary_garbage": f"{source}/2012-01.csv is not a CSV text file: it contains binary data.",
        "xlsx_not_a_workbook": f"{source}/2012-01.xlsx is not a readable Excel workbook (.xlsx).",
    }[case]


@pytest.mark.parametrize(
    "case", ["empty", "missing_required", "duplicate_column", "binary_garbage", "xlsx_not_a_workbook"]
)
@pytest.mark.parametrize("source", ALL)
def test_unreadable_content_rejects_the_file(tmp_path, source, case):
    assert rejection(tmp_path, source, case) == _expected_rejection(source, case)


@pytest.mark.parametrize("source", ALL)
def test_duplicated_column_as_in_the_brief(tmp_path, source):
    """`Crime_Ref` and `crime_ref ` (and their like for each source) are one name."""
    key = bad.PROFILES[source].key
    others = [c for c in bad.header(source) if c != key]
    path = bad.write_file(tmp_path, source, "2012-01.csv", ",".join([key.title(), *others, f"{key.lower()} "]) + "\n")
    with pytest.raises(FileRejected) as caught:
        read_raw(path, SOURCES[source].columns)
    assert caught.value.reason == (
        f"{source}/2012-01.csv has more than one column named '{key.lower()}' (names are "
        f"compared ignoring case and surrounding spaces)."
    )
    one_sentence(caught.value.reason, f"{source}/2012-01.csv")


# -------------------------------------------------------------- accepted files


def _expected(source: str, case: str) -> tuple[list[tuple], dict[str, int], int]:
    """(quarantine rows, warnings, rows loaded) of an accepted case."""
    p = bad.PROFILES[source]
    key = KEY_COLUMN[source]
    if case == "header_only":
        return [], {}, 0
    if case in ("extra_column", "bom"):
        return [], {}, 1
    if case == "cp1252":  # crime_ref must be a CRIS reference: the text is not one
        return ([(1, "invalid_format", "crime_ref")], {}, 0) if source == "mps_crimes" else ([], {}, 1)
    if case == "ragged_row":
        return [(2, "ragged_row", None), (4, "ragged_row", None)], {}, 2
    if case == "duplicate_key":
        return [(1, "duplicate_key", key), (3, "duplicate_key", key)], {}, 1
    if case == "unknown_code":
        column, _, rule, rule_column = p.unknown_code
        if rule is None:  # an optional code: unknown, with a warning
            return [], {rule_column: 1}, 2
        return [(2, rule, rule_column)], {}, 1
    if case == "date_forms":
        return [], {}, 3
    if case == "future_and_old_dates":
        return [(2, p.future_rule, p.date), (3, p.old_rule, p.date)], {}, 1
    if case == "age_out_of_range":
        return [], {p.age: 2}, 2
    if case == "formula_text":
        if source == "mps_crimes":
            return [(n, "invalid_format", "crime_ref") for n in (1, 2, 3)], {}, 0
        return [], {}, 3
    raise KeyError(case)


ACCEPTED_CASES = [
    (source, case)
    for source in ALL
    for case in (
        "header_only",
        "extra_column",
        "bom",
        "cp1252",
        "ragged_row",
        "duplicate_key",
        "unknown_code",
        "formula_text",
        *(("date_forms", "future_and_old_dates") if source in WITH_DATES else ()),
        *(("age_out_of_range",) if source in WITH_AGES else ()),
    )
]


@pytest.mark.parametrize("source, case", ACCEPTED_CASES, ids=[f"{s}-{c}" for s, c in ACCEPTED_CASES])
def test_accepted_file_outcome(tmp_path, source, case):
    result = run(tmp_path, source, case)
    rows, warned, loaded = _expected(source, case)
    assert quarantined(result) == rows
    assert warnings(result) == warned
    assert result.rows_loaded == loaded
    assert result.columns_dropped == (("mystery",) if case == "extra_column" else ())


@pytest.mark.parametrize("source", ALL)
def test_header_only_file_has_no_rows(tmp_path, source):
    result = run(tmp_path, source, "header_only")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (0, 0, 0)


@pytest.mark.parametrize("source", WITH_AGES)
def test_out_of_range_ages_become_unknown(tmp_path, source):
    result = run(tmp_path, source, "age_out_of_range")
    age = bad.PROFILES[source].age
    assert result.accepted[age].to_list() == [None, None]


@pytest.mark.parametrize("source", WITH_DATES)
def test_three_date_forms_give_the_same_date(tmp_path, source):
    result = run(tmp_path, source, "date_forms")
    column = bad.PROFILES[source].date
    typed = column if column in result.accepted.columns else column.lower().replace(" ", "_")
    assert result.accepted[typed].to_list() == [dt.date(2012, 2, 9)] * 3


@pytest.mark.parametrize("source", ALL)
def test_planted_personal_data_goes_nowhere(tmp_path, source):
    result = run(tmp_path, source, "personal_data")
    key = KEY_COLUMN[source]
    assert quarantined(result) == [(3, "duplicate_key", key), (4, "duplicate_key", key), (5, "ragged_row", None)]
    assert result.rows_loaded == 2
    assert result.columns_dropped == tuple(bad.PERSONAL)
    # The ragged row's fields cannot be told from the dropped ones: nothing of it is shown.
    assert result.quarantine.filter(pl.col("rule") == "ragged_row")["raw_record"].to_list() == ["{}"]
    texts = every_text(result)
    for planted in bad.PERSONAL.values():
        assert not [t for t in texts if planted in t], planted
    for fragment in ("Plantedname", "Secretplant", "900123", "1971"):
        assert not [t for t in texts if fragment in t], fragment


@pytest.mark.parametrize("source", ALL)
def test_windows_1252_text_is_read(tmp_path, source):
    result = run(tmp_path, source, "cp1252")
    assert bad.CP1252_TEXT.casefold() in kept_values(result)


# The five bytes Windows-1252 leaves undefined, read as Windows (and Excel) reads them: the C1
# control characters U+0081, U+008D, U+008F, U+0090, U+009D (decision 0025).
UNDEFINED_IN_1252 = "\x81\x8d\x8f\x90\x9d"


@pytest.mark.parametrize("source", ALL)
def test_windows_1252_bytes_it_leaves_undefined_are_read(tmp_path, source):
    p = bad.PROFILES[source]
    column, _, rule, rule_column = p.unknown_code
    text = "Zoë Café " + UNDEFINED_IN_1252
    rows = [
        bad.valid_row(source, 1, **{p.text: text}),
        bad.valid_row(source, 2, **{column: bad.valid_row(source, 2)[column] + "\x9d"}),
    ]
    # Latin-1 writes ë, é and the five control characters as the bytes Windows-1252 has for them
    # (0xEB, 0xE9, 0x81...): not UTF-8, so the file is read as Windows-1252.
    content = bad.csv_text(rows, bad.header(source)).encode("latin-1")
    assert b"Caf\xe9 \x81\x8d\x8f\x90\x9d" in content
    path = bad.write_file(tmp_path / "landing", source, "2012-01.csv", content)
    result = validate(source, read_raw(path, SOURCES[source].columns), "2012-01")
    assert_accounted(result)
    # Row 1's text is kept whole; mps_crimes' text column is the CRIS reference, which it is not.
    assert text.casefold() in kept_values(result)
    quarantined = [(1, "invalid_format", "crime_ref")] if source == "mps_crimes" else []
    # Row 2: a code followed by U+009D is no code: quarantined, or blank with a warning where
    # the code is optional (FMU's gender), as any unknown code is.
    if rule is None:
        assert dict(result.warnings.select("column_name", "warning_count").rows()) == {rule_column: 1}
    else:
        quarantined.append((2, rule, rule_column))
    assert sorted(result.quarantine.select("row_number", "rule", "column_name").rows()) == quarantined
    assert result.accepted.height == 2 - len(quarantined)


@pytest.mark.parametrize("source", ALL)
def test_byte_order_mark_is_not_part_of_the_first_heading(tmp_path, source):
    result = run(tmp_path, source, "bom")
    assert result.columns_dropped == ()
    first = bad.header(source)[0]
    raw = read_raw(tmp_path / "landing" / source / "2012-01.csv", SOURCES[source].columns)
    assert raw.data[first].to_list() == [bad.valid_row(source, 1)[first]]


@pytest.mark.parametrize("source", ALL)
def test_formula_like_text_is_kept_as_text(tmp_path, source):
    result = run(tmp_path, source, "formula_text")
    values = kept_values(result)
    for formula in bad.FORMULAS:
        assert formula.casefold() in values, formula
    # exactly the text as written (case aside) in the text column: `=1+1` never became 2
    column = bad.PROFILES[source].text
    typed = column.lower().replace(" ", "_")
    shown = result.accepted[typed].to_list() + [json.loads(r)[column] for r in result.quarantine["raw_record"]]
    assert [str(v).casefold() for v in shown] == [f.casefold() for f in bad.FORMULAS]


@pytest.mark.parametrize("source", ALL)
def test_a_1_mb_field_loads_quickly(tmp_path, source):
    column, rule = bad.PROFILES[source].huge
    big = "X" * 1_000_000
    path = bad.write_file(
        tmp_path,
        source,
        "2012-01.csv",
        bad.csv_bytes(source, [bad.valid_row(source, 1), bad.valid_row(source, 2, **{column: big})]),
    )
    start = time.perf_counter()
    result = validate(source, read_raw(path, SOURCES[source].columns), bad.QUARTER)
    assert time.perf_counter() - start < 10
    assert_accounted(result)
    assert quarantined(result) == ([] if rule is None else [(2, rule, column)])


@pytest.mark.parametrize("source", ALL)
def test_a_2_mb_field_does_not_reject_the_file(tmp_path, source):
    column, rule = bad.PROFILES[source].huge
    (found,) = discover(write_case(tmp_path, source, "huge_field"), TODAY)
    start = time.perf_counter()
    result = validate(source, read_raw(found.path, SOURCES[source].columns), bad.QUARTER)
    assert time.perf_counter() - start < 10
    assert_accounted(result)
    assert quarantined(result) == ([] if rule is None else [(2, rule, column)])


# ------------------------------------------------------------------ mps specifics


def test_mps_older_state_in_a_later_file_is_accepted(tmp_path):
    """Record 1: newer state (modified in May) in the 2012-04 file, older state (modified in
    February) resent in the 2012-07 file. Both versions are accepted; which one is current
    is dbt's business."""
    landing = tmp_path / "landing"
    newer = bad.valid_row(
        "mps_crimes",
        1,
        last_modified="2012-05-02T10:00:00",
        reported_date="01/05/2012",
        recorded_date="01/05/2012",
        offence_date="30/04/2012",
        outcome_type="1",
        outcome_date="02/05/2012",
    )
    older = bad.valid_row(
        "mps_crimes",
        1,
        last_modified="2012-02-01T09:00:00",
        reported_date="01/02/2012",
        recorded_date="01/02/2012",
        offence_date="31/01/2012",
    )
    bad.write_file(landing, "mps_crimes", "2012-04.csv", bad.csv_bytes("mps_crimes", [newer]))
    bad.write_file(landing, "mps_crimes", "2012-07.csv", bad.csv_bytes("mps_crimes", [older]))
    accepted = []
    for f in discover(landing, TODAY):
        result = validate("mps_crimes", read_raw(f.path, SOURCES["mps_crimes"].columns), f.quarter)
        assert (result.rows_loaded, quarantined(result)) == (1, [])
        accepted.append(result.accepted.with_columns(quarter=pl.lit(f.quarter), file_sha256=pl.lit(f.sha256)))
    rows = pl.concat(accepted)
    assert rows["crime_ref"].to_list() == [newer["crime_ref"]] * 2
    assert cross_file_quarantine("mps_crimes", rows).height == 0
    report = validate_landing(landing, TODAY)
    assert [(r["file_name"], r["status"], r["rows_loaded"], r["rows_quarantined"]) for r in report] == [
        ("2012-04.csv", "accepted", 1, 0),
        ("2012-07.csv", "accepted", 1, 0),
    ]


@pytest.mark.slow  # a million rows written and validated
def test_a_million_mps_rows(tmp_path):
    path = bad.million_mps_csv(tmp_path / "mps_crimes" / "2012-01.csv")
    start = time.perf_counter()
    raw = read_raw(path, SOURCES["mps_crimes"].columns)
    result = validate("mps_crimes", raw, bad.QUARTER)
    elapsed = time.perf_counter() - start
    assert result.rows_read == 1_000_000
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert (result.rows_loaded, result.rows_quarantined) == (1_000_000, 0)
    assert elapsed < 60


# ------------------------------------------------------- validate_landing and CLI


def clean_landing(landing: Path) -> Path:
    for source in ALL:
        rows = [bad.valid_row(source, 1), bad.valid_row(source, 2)]
        bad.write_file(landing, source, "2012-01.csv", bad.csv_bytes(source, rows))
    return landing


def test_validate_landing_over_a_clean_folder_and_cli_exit_0(tmp_path, capsys):
    landing = clean_landing(tmp_path / "landing")
    report = validate_landing(landing, TODAY)
    assert [(r["source"], r["status"], r["rows_read"], r["rows_loaded"], r["rows_quarantined"]) for r in report] == [
        (s, "accepted", 2, 2, 0) for s in sorted(ALL)
    ]
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--landing", str(landing)])
    assert exited.value.code == EXIT_OK == 0
    assert "5 files, 0 would be rejected." in capsys.readouterr().out


@pytest.mark.parametrize("source", ALL)
def test_validate_landing_with_one_rejected_file_and_cli_exit_3(tmp_path, source, capsys):
    landing = clean_landing(tmp_path / "landing")
    bad.write_file(landing, source, "2011-10.csv", bad.garbage())
    other = "havens_attendances" if source != "havens_attendances" else "cps_finalisations"
    bad.write_file(landing, other, "2011-07.csv", b"")  # an empty file: a second kind of rejection
    report = validate_landing(landing, TODAY)
    rejected = {(r["source"], r["file_name"]): r["reason"] for r in report if r["status"] == "rejected"}
    assert rejected == {
        (source, "2011-10.csv"): f"{source}/2011-10.csv is not a CSV text file: it contains binary data.",
        (other, "2011-07.csv"): f"{other}/2011-07.csv has no header row: the file is empty.",
    }
    for (src, name), reason in rejected.items():
        one_sentence(reason, f"{src}/{name}")
    for r in report:
        if r["status"] == "accepted":
            assert r["rows_read"] == r["rows_loaded"] + r["rows_quarantined"]
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--landing", str(landing)])
    assert exited.value.code == EXIT_REJECTED == 3
    assert "7 files, 2 would be rejected." in capsys.readouterr().out


def test_validate_landing_counts_quarantined_rows_of_every_source(tmp_path):
    landing = tmp_path / "landing"
    for source in ALL:
        bad.write_file(landing, source, "2012-01.csv", bad.corpus(source)["duplicate_key"]["2012-01.csv"])
    report = validate_landing(landing, TODAY)
    assert [
        (r["source"], r["rows_read"], r["rows_loaded"], r["rows_quarantined"], r["main_rules"]) for r in report
    ] == [(s, 3, 1, 2, "duplicate_key (2)") for s in sorted(ALL)]
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--landing", str(landing)])
    assert exited.value.code == 0


def test_the_generator_writes_every_case(tmp_path):
    written = bad.generate(tmp_path)
    cases = {p.relative_to(tmp_path).parts[0] for p in written}
    assert len(cases) == sum(len(bad.corpus(s)) for s in ALL)
    assert all(p.stat().st_size < 3 * 1024 * 1024 for p in written)
