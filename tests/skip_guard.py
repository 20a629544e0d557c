"""A skipped test fails the run (issue 18): in CI a test that silently does not run is a test
that silently does not exist. tests/conftest.py imports these hooks; tests/test_skip_guard.py
runs them on a throwaway test file."""

from __future__ import annotations

import pytest


def _skipped(config: pytest.Config) -> list:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return list(reporter.stats.get("skipped", [])) if reporter is not None else []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # On pytest-xdist's controller the workers' skips are in its terminal reporter's stats; a
    # worker's own status does not decide the run's.
    if hasattr(session.config, "workerinput"):
        return
    if _skipped(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = _skipped(config)
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped, and no test may skip: make it run here or fail with the reason "
            f"({', '.join(report.nodeid for report in skipped[:5])})",
            red=True,
        )
