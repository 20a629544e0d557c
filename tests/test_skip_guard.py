"""tests/skip_guard.py: a run with a skipped test fails, under pytest-xdist too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Each test runs pytest in a subprocess.
pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent


def _run(folder: Path, body: str, *args: str) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # this folder is the rootdir
    (folder / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
        "from skip_guard import pytest_sessionfinish, pytest_terminal_summary  # noqa: F401\n",
        encoding="utf-8",
    )
    (folder / "test_throwaway.py").write_text(
        "import pytest\n\n\ndef test_runs():\n    assert True\n\n\n" + body, encoding="utf-8"
    )
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(folder)],
                          capture_output=True, text=True, timeout=120, cwd=folder)  # fmt: skip  # continued lines aligned under the opening bracket


def test_a_skip_fails_the_run_under_xdist(tmp_path):
    # Two tests, one skipped: pytest alone would exit 0 ("1 passed, 1 skipped").
    done = _run(tmp_path / "skip", "def test_skips():\n    pytest.skip('no browser')\n", "-n", "2")
    assert done.returncode == 1, done.stdout
    assert "1 passed, 1 skipped" in done.stdout
    assert "1 test(s) skipped, and no test may skip" in done.stdout and "test_skips" in done.stdout


def test_a_skipif_fails_and_a_run_without_skip_passes(tmp_path):
    done = _run(tmp_path / "skipif", "@pytest.mark.skipif(True, reason='x')\ndef test_never():\n    pass\n")
    assert done.returncode == 1 and "no test may skip" in done.stdout, done.stdout
    done = _run(tmp_path / "clean", "")
    assert done.returncode == 0 and "no test may skip" not in done.stdout, done.stdout
