"""A refresh killed at any point leaves the analysts' warehouse and the Panel's `latest` as they
were, and the next refresh publishes what an uninterrupted one would; two refreshes started
together never both write.

One chain on one copy of the hand-made state (tests/conftest.py `handmade`), with a fresh raw
store so that the load has work to do: `vawg refresh` is started as a subprocess and killed
with SIGKILL — the whole process group, as a power cut or the OOM killer would, dbt included —
at three points found from outside, without hooks in the code:

  load         new lines in the raw store's loads.jsonl
  dbt          a dbt process running in the refresh's process group
  publication  a vintage folder being written (<publish>/.building-<vintage>)

After each kill the previous warehouse is the same file, byte for byte, and opens read-only;
`latest` and its indicators.csv are unchanged; no new vintage is published; every event in the
store has its Parquet parts. Finally two refreshes start at once on the same state: one
publishes an indicators.csv byte-identical to the uninterrupted refresh of the same data and
refresh day (the session fixture's), the other exits 1 with the writer lock's sentence.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import copy_state, manifest_of, path_args, words
from pipelines.settings import WarehousePaths
from pipelines.store import RawStore

BUSY = "Another refresh is writing warehouse.duckdb; try again when it has finished."
REPO = Path(__file__).resolve().parents[1]


def start_refresh(paths: WarehousePaths, as_of: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh", *path_args(paths), "--as-of", as_of],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_when(refresh: subprocess.Popen, sign, what: str, then_wait: float = 0.0, timeout: float = 400) -> None:
    deadline = time.monotonic() + timeout
    while not sign():
        if refresh.poll() is not None:
            out, err = refresh.communicate()
            pytest.fail(f"the refresh ended ({refresh.returncode}) before {what}: {out}{err}")
        if time.monotonic() > deadline:
            os.killpg(refresh.pid, signal.SIGKILL)
            pytest.fail(f"no sign of {what} in {timeout} s")
        time.sleep(0.05)
    time.sleep(then_wait)
    os.killpg(refresh.pid, signal.SIGKILL)
    refresh.wait(timeout=30)
    assert refresh.returncode == -signal.SIGKILL, what
    deadline = time.monotonic() + 30
    while group_processes(refresh.pid) and time.monotonic() < deadline:
        time.sleep(0.1)  # the group's other processes (dbt) are gone too


def group_processes(session: int) -> list[str]:
    """Command lines of the live processes in a session (the refresh's and its children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session and fields[0] != "Z":
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue  # ended while we looked
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(paths: WarehousePaths) -> list[str]:
    return sorted(p.name for p in paths.publish.iterdir() if not p.name.startswith("."))


def assert_untouched(paths: WarehousePaths, before: dict, when: str) -> None:
    assert sha256(paths.warehouse) == before["warehouse_sha"], when
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.sql("select count(*) from marts.indicators").fetchall()[0][0] == before["indicators"], when
        assert con.sql("select count(*) from marts.indicator_vintages").fetchall()[0][0] == before["vintage_rows"], when
    assert os.readlink(paths.publish / "latest") == before["latest"], when
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == before["csv"], when
    assert published(paths) == before["published"], when
    assert_store_consistent(paths)


def assert_store_consistent(paths: WarehousePaths) -> None:
    """No event in loads.jsonl before its file version's parts and counts were complete."""
    store = RawStore(paths.store)
    for event in store.events().filter(store.events()["status"] == "accepted").iter_rows(named=True):
        for kind in ("accepted", "quarantine", "warnings"):
            assert store.part(event["source"], event["sha256"], kind).exists(), (event, kind)
        assert store.read_summary(event["source"], event["sha256"]) is not None, event


def store_lines(paths: WarehousePaths) -> int:
    log = paths.store / "loads.jsonl"
    return log.read_bytes().count(b"\n") if log.exists() else 0


def test_killed_refreshes_leave_everything_readable_and_the_next_one_publishes(handmade, tmp_path):
    fixture, _ = handmade
    paths = copy_state(fixture, tmp_path)
    # The uninterrupted refresh of the same data: the fixture's, on the day of its vintage.
    reference = (fixture.publish / "latest" / "indicators.csv").read_bytes()
    manifest = manifest_of(fixture)
    as_of = f"{manifest['vintage'][:4]}-{manifest['vintage'][4:6]}-{manifest['vintage'][6:8]}"
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        counts = [
            con.sql(f"select count(*) from marts.{t}").fetchall()[0][0] for t in ("indicators", "indicator_vintages")
        ]
    before = {
        "warehouse_sha": sha256(paths.warehouse),
        "indicators": counts[0],
        "vintage_rows": counts[1],
        "latest": os.readlink(paths.publish / "latest"),
        "published": published(paths),
        "csv": (paths.publish / "latest" / "indicators.csv").read_bytes(),
    }

    # 1. During the load: some file versions are in the store, the others not yet.
    refresh = start_refresh(paths, as_of)
    kill_when(refresh, lambda: store_lines(paths) >= 3, "the load")
    assert 3 <= store_lines(paths) < 20
    assert_untouched(paths, before, "killed during the load")

    # 2. During dbt: the new warehouse is half-built beside the old one.
    refresh = start_refresh(paths, as_of)
    kill_when(refresh, lambda: any("/dbt build" in c for c in group_processes(refresh.pid)), "dbt", then_wait=3)
    assert list(tmp_path.glob("warehouse.duckdb.build-*")), "the half-built warehouse"
    assert_untouched(paths, before, "killed during dbt")

    # 3. During publication: a vintage folder is being written.
    refresh = start_refresh(paths, as_of)
    kill_when(refresh, lambda: any(paths.publish.glob(".building-*/indicators.csv")), "the publication")
    assert_untouched(paths, before, "killed during the publication")

    # Two refreshes at once: one publishes, the other refuses; what the dead ones left is removed.
    first, second = start_refresh(paths, as_of), start_refresh(paths, as_of)
    results = sorted([(*p.communicate(timeout=600), p.returncode)[::-1] for p in (first, second)])
    (ok, _, _), (busy, busy_err, _) = results  # (exit status, stderr, stdout)
    assert (ok, busy) == (0, 1), results
    assert words(busy_err) == BUSY
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == reference
    assert len(published(paths)) == len(before["published"]) + 1
    assert not [
        *tmp_path.glob("warehouse.duckdb.build-*"),
        *paths.publish.glob(".*"),
        *paths.store.rglob("*.tmp"),
        *paths.store.glob(".validating-*"),  # a validation's groups of rows (decision 0039)
    ]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.sql("select count(*) from marts.indicators").fetchall()[0][0] == before["indicators"]
        assert con.sql("select distinct status from audit.loads").fetchall() == [("accepted",)]
    assert_store_consistent(paths)
