"""Helpers shared by the test modules: reading a warehouse and a publication, running the command
line in this process, and reading a validation result. Imported as `from helpers import ...`
(tests/ is on the path, as for tests/bad_inputs.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.cli import main
from pipelines.landing.validate import ValidationResult
from pipelines.settings import WarehousePaths
from schemas import fmu_cases

FIXTURES = Path(__file__).parent / "fixtures"
FAST_LANE = "not slow"  # the mark expression of `make test-fast`


def refuse_in_fast_lane(request: pytest.FixtureRequest, fixture: str) -> None:
    """Fail, rather than refresh, when `make test-fast` reaches a refreshing fixture: a test that
    asks for one at run time (request.getfixturevalue) must carry @pytest.mark.slow."""
    if " ".join(request.config.getoption("markexpr").split()) == FAST_LANE:
        pytest.fail(
            f"{fixture} runs a refresh, and this is the fast lane (-m '{FAST_LANE}'): mark the test "
            "that asks for it @pytest.mark.slow",
            pytrace=False,
        )


# ------------------------------------------------------------------ warehouse and publication
def query(paths: WarehousePaths, sql: str, params=None) -> pl.DataFrame:
    """A read-only query of the warehouse, as an analyst opens it."""
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.sql(sql, params=params or None).pl()


def copy_state(fixture: WarehousePaths, tmp: Path, store: bool = False) -> WarehousePaths:
    """A copy of a refreshed state (landing, publication, warehouse, and the raw store when
    asked) to refresh again without touching the session's fixture."""
    paths = WarehousePaths.of(tmp / "landing", tmp / "warehouse.duckdb", tmp / "publish")
    shutil.copytree(fixture.landing, paths.landing)
    shutil.copytree(fixture.publish, paths.publish, symlinks=True)
    if store:
        shutil.copytree(fixture.store, paths.store)
    shutil.copy2(fixture.warehouse, paths.warehouse)
    return paths


def manifest_of(paths: WarehousePaths) -> dict:
    """The manifest of the latest published vintage."""
    return json.loads((paths.publish / "latest" / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the command line
def path_args(paths: WarehousePaths) -> list[str]:
    """`--landing … --warehouse … --publish …` of a refresh of `paths`."""
    return ["--landing", str(paths.landing), "--warehouse", str(paths.warehouse), "--publish", str(paths.publish)]


def vawg(*args: str) -> tuple[int, str, str]:
    """`vawg <args>` in this process: its exit status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exited:
        main(list(args))
    return exited.value.code, out.getvalue(), err.getvalue()


def words(text: str) -> str:
    """Printed text with the terminal's line wrapping undone."""
    return " ".join(text.split())


# ------------------------------------------------------------------ validation results
def quarantined(result: ValidationResult) -> list[tuple[int, str, str | None]]:
    """(row number, rule, column) of each quarantined row, in order."""
    return [tuple(r) for r in result.quarantine.select("row_number", "rule", "column_name").rows()]


def warnings(result: ValidationResult) -> dict[str, int]:
    """Rows counted under each warning."""
    return dict(result.warnings.rows())


def assert_accounted(result: ValidationResult) -> None:
    """Nothing lost: every row read is accepted or quarantined, exactly once."""
    numbers = result.accepted["row_number"].to_list() + result.quarantine["row_number"].to_list()
    assert result.rows_read == result.accepted.height + result.quarantine.height
    assert sorted(numbers) == list(range(1, result.rows_read + 1))


# ------------------------------------------------------------------ extracts
def decode_extract(raw: bytes) -> str:
    """A sample extract's text as an agency's export may encode it: UTF-8 with or without a byte
    order mark, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def write_fmu(folder: Path) -> None:
    """The hand-made FMU workbooks of the all-sources landing folder, one per quarter (the other
    sources' files are in tests/fixtures/all_sources)."""
    rows = {
        "2009-04": [("FMU/0901", dt.date(2009, 5, 1), "London", "Female", "18-21", "Pakistan", "No", "No", "Advice"),
                    ("FMU/0902", dt.date(2009, 5, 2), "West Midlands", "Male", "22-25", "India", "No", "Yes", "Support"),
                    ("FMU/0903", dt.date(2009, 6, 3), "Scotland", "Female", "26-30", "Bangladesh", "Yes", "No", "Support")],
        "2009-07": [("FMU/0904", dt.date(2009, 8, 1), "London", "Female", "Under 16", "Somalia", "No", "No", "Overseas assistance")],
        "2009-10": [("FMU/0905", dt.date(2009, 11, 1), "Unknown", "Unknown", "Unknown", "Unknown", "Unknown", "Unknown", "Advice")],
        "2010-01": [],
    }  # fmt: skip  # one case per line, its columns in the workbook's order
    folder.mkdir()
    for quarter, cases in rows.items():
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(list(fmu_cases.COLUMNS))
        for case in cases:
            sheet.append(case)
        book.save(folder / f"{quarter}.xlsx")
