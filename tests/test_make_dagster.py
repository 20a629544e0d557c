"""`make dagster` with the environment not activated: its code location loads, with the asset
graph, the quarterly schedule and the file-arrival sensor (issue 18, point 1)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipelines.dbt_manifest import ensure_manifest

# Starts `dagster dev` as a subprocess.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

LOCATIONS = """{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation {
            repositories { name assetNodes { assetKey { path } } schedules { name } sensors { name } }
          }
        }
      }
    }
  }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def _loaded_location(port: int, server: subprocess.Popen, deadline: float) -> dict:
    """The code location's entry once it has finished loading (or failed to)."""
    while time.monotonic() < deadline:
        assert server.poll() is None, "dagster dev exited"
        try:
            entries = _ask(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, TypeError):
            entries = []  # the webserver is not up yet
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            [entry] = entries
            return entry
        time.sleep(1)
    raise AssertionError("the code location did not load in time")


def test_make_dagster_loads_its_code_location_without_the_environment_on_path(tmp_path):
    # dbt's manifest as this session parsed it, so that the code server need not parse again.
    shutil.copytree(ensure_manifest().parent, tmp_path / "warehouse.duckdb.dbt" / "definitions")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "defs" / "dagster_home.yaml", home / "dagster.yaml")
    port = _free_port()
    # What `make dagster` runs, from a shell whose PATH has no virtual environment on it.
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DAGSTER_HOME": str(home),
        "VAWG_LANDING": str(tmp_path / "landing"),
        "VAWG_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "VAWG_PUBLISH": str(tmp_path / "publish"),
    }
    dagster = Path(sysconfig.get_path("scripts")) / "dagster"
    assert shutil.which("dbt", path=env["PATH"]) is None and dagster.parent == Path(sys.executable).parent
    server = subprocess.Popen(
        [str(dagster), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        entry = _loaded_location(port, server, time.monotonic() + 240)
    finally:
        os.killpg(server.pid, signal.SIGINT)  # dagster dev stops its webserver, daemon and code server
        try:
            server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()
            raise
    location = entry["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation", location.get("message")
    [repository] = location["repositories"]
    assets = {"/".join(n["assetKey"]["path"]) for n in repository["assetNodes"]}
    assert {
        "mps_crimes_landing",
        "mps_crimes_validated",
        "fmu_cases_landing",
        "service_returns_validated",
        "marts/indicators",
        "panel_publication",
    } <= assets
    assert {s["name"] for s in repository["schedules"]} == {"quarterly_refresh_schedule"}
    assert {s["name"] for s in repository["sensors"]} == {"landing_files_sensor"}
    assert server.returncode is not None  # it stopped
