"""An operator deploys the warehouse as an installed package, not a checkout: the wheel carries
the dbt project, its seeds and indicators.yml, and a refresh writes only beside the warehouse
(issue 18, point 5)."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sysconfig.get_path("scripts")) / "uv"


def _files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time; Python's own bytecode
    caches left out (the interpreter writes them on first import of an uncompiled module)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not str(p.relative_to(folder)).startswith(skip)
    }


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_the_wheel_installs_and_refreshes_from_an_unrelated_folder(tmp_path):
    dist, env_dir, elsewhere, data = (tmp_path / name for name in ("dist", "env", "elsewhere", "data"))
    _run([UV, "build", "--wheel", "--quiet", "--out-dir", dist, ROOT])
    [wheel] = dist.glob("vawg_warehouse-*.whl")
    _run([UV, "venv", "--quiet", "--python", sys.executable, env_dir])
    python = env_dir / "bin" / "python"
    # The wheel's exact pins, from the same registries as `make install` (uv's cache makes it quick).
    _run([UV, "pip", "install", "--quiet", "--python", python, wheel])
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    package = {name: _files(site / name) for name in ("pipelines", "schemas")}
    site_names = {p.name for p in site.iterdir()} - {"__pycache__"}
    checkout = {name: _files(ROOT / name) for name in ("dbt_project", "seeds", "pipelines", "schemas")}
    assert "project/dbt_project/dbt_project.yml" in package["pipelines"]
    assert "project/indicators.yml" in package["pipelines"] and "project/seeds/boroughs.csv" in package["pipelines"]

    elsewhere.mkdir()
    # No environment activated: dbt must be found without PATH, as under a service manager.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    landing, warehouse, publish = data / "landing", data / "warehouse.duckdb", data / "publish"
    vawg = env_dir / "bin" / "vawg"
    _run(
        [vawg, "sample", "--landing", landing, "--start", "2012-04", "--end", "2013-03", "--scale", "0.05"],
        cwd=elsewhere,
        env=env,
    )
    refresh = subprocess.run(
        [str(c) for c in (vawg, "refresh", "--landing", landing, "--warehouse", warehouse, "--publish", publish)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    # 3 would mean a sample file was rejected: the sample writes none that should be.
    assert refresh.returncode == 0, refresh.stdout[-3000:] + refresh.stderr[-3000:]

    manifest = json.loads((publish / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["code_version"] == "0.1.0"  # the package's version: no git commit outside a checkout
    assert {f["source"] for f in manifest["input_files"]} == {
        "mps_crimes",
        "cps_finalisations",
        "havens_attendances",
        "fmu_cases",
        "service_returns",
    }
    assert (publish / "latest" / "indicators.csv").is_file() and (publish / "latest" / "report.html").is_file()
    # dbt's manifest, target and logs went beside the warehouse ...
    assert (data / "warehouse.duckdb.dbt" / "definitions" / "manifest.json").is_file()
    # ... and nothing into the installed package, the environment, the folder it ran from or the checkout.
    assert {name: _files(site / name) for name in ("pipelines", "schemas")} == package
    assert {p.name for p in site.iterdir()} - {"__pycache__"} == site_names
    assert list(elsewhere.iterdir()) == []
    assert {name: _files(ROOT / name) for name in ("dbt_project", "seeds", "pipelines", "schemas")} == checkout
    assert sorted(os.listdir(data)) == sorted(
        [
            "landing",
            "logs",
            "publish",
            "warehouse.duckdb",
            "warehouse.duckdb.dbt",
            "warehouse.duckdb.lock",
            "warehouse.store",
        ]
    )
