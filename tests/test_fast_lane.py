"""`make test-fast` (`pytest -m "not slow"`) runs the unit tests and nothing that refreshes
(issue 20, point 6): tests/conftest.py marks every test that asks for a slow fixture, and a
refreshing fixture reached at run time in the fast lane fails the test instead of refreshing.

Each test runs pytest in a subprocess, so these are in the slow lane themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
FAST = ["-m", "not slow"]


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_the_fast_lane_selects_the_unit_tests_and_no_refresh():
    done = pytest_run("--collect-only", *FAST, str(TESTS), cwd=TESTS.parent)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    selected = {line for line in done.stdout.splitlines() if "::" in line}
    modules = {node.split("::")[0].removeprefix("tests/") for node in selected}
    # The unit tests of schemas, statistics, code generation and disclosure on small frames.
    assert {
        "test_schema_cps_finalisations.py",
        "test_schema_fmu_cases.py",
        "test_schema_havens_attendances.py",
        "test_schema_service_returns.py",
        "test_landing.py",
        "test_statistics.py",
        "test_report_funnel.py",
        "test_generated.py",
        "test_disclosure.py",
        "test_dataset_format.py",
        "test_spreadsheet.py",
        "test_landing_folder_usage.py",
        "test_housekeeping.py",
    } <= modules
    # Modules whose every test refreshes, starts Dagster or a subprocess: none of their tests.
    assert not modules & {
        "test_police_handmade.py",
        "test_all_sources_handmade.py",
        "test_crash_safety.py",
        "test_failure_sentences.py",
        "test_revisions.py",
        "test_quality.py",
        "test_landing_coverage.py",
        "test_installed_package.py",
        "test_make_dagster.py",
        "test_dagster_defs.py",
        "test_landing_sensor.py",
        "test_writer_lock.py",
        "test_fast_lane.py",
    }
    # A module that mixes the two keeps its unit tests and loses the one that refreshes.
    assert "tests/test_trends.py::test_judgements_worked_by_hand" in selected
    assert "tests/test_trends.py::test_the_warehouse_has_the_table" not in selected
    assert "tests/test_disclosure.py::test_attack_on_a_synthetic_panel" in selected
    assert "tests/test_disclosure.py::test_attack_on_the_handmade_warehouse" not in selected
    assert (
        "tests/test_analyst_guide.py::test_the_guide_asks_at_least_ten_questions_each_with_sql_and_an_answer"
        in selected
    )
    assert not any("test_every_sql_block_runs_and_returns_rows" in node for node in selected)  # asks at run time


# A throwaway test folder whose conftest takes the suite's hooks and fixtures (by another module
# name: its own is `conftest`).
CONFTEST = f"""
import importlib.util
import sys

sys.path.insert(0, {str(TESTS)!r})
spec = importlib.util.spec_from_file_location("suite_conftest", {str(TESTS / "conftest.py")!r})
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
handmade = suite.handmade
"""

PROBES = """
def test_asks_in_its_arguments(handmade):
    pass


def test_asks_at_run_time(request):
    request.getfixturevalue("handmade")


def test_needs_no_refresh():
    pass
"""


def test_a_refreshing_fixture_is_deselected_or_refused_in_the_fast_lane(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_probes.py").write_text(PROBES, encoding="utf-8")
    done = pytest_run(*FAST, f"--basetemp={tmp_path / 'run'}", str(tmp_path), cwd=tmp_path)
    # The test asking in its arguments is deselected; the one asking at run time fails, saying
    # what to do, and no refresh is run.
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 failed, 1 passed, 1 deselected" in done.stdout
    assert "FAILED test_probes.py::test_asks_at_run_time" in done.stdout
    assert (
        "handmade runs a refresh, and this is the fast lane (-m 'not slow'): mark the test that asks for it "
        "@pytest.mark.slow"
    ) in done.stdout
    assert not list((tmp_path / "run").glob("**/handmade"))
