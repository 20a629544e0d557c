"""Keep the generated indicator models and dbt's manifest up to date before Dagster loads them.

Dagster's dbt assets are read from target/manifest.json at import time; parsing is only
needed when indicators.yml or the dbt project changed since the last parse.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from pipelines.indicators.codegen import write_generated_models

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"


def input_files() -> list[Path]:
    """Every file the dbt project is made from: indicators.yml, the project's own folders
    (not target/ or logs/: walking them cost seconds) and the seeds."""
    folders = [DBT_DIR / f for f in ("models", "macros", "tests")]
    return [ROOT / "indicators.yml", *DBT_DIR.glob("*.yml"),
            *(p for f in folders for pattern in ("*.sql", "*.yml", "*.md", "*.py") for p in f.rglob(pattern)),
            *(ROOT / "seeds").glob("*.csv"), *(ROOT / "seeds").glob("*.yml")]


def _newest_input() -> float:
    return max(p.stat().st_mtime for p in input_files())


def ensure_manifest() -> Path:
    # One process at a time (test workers start together): a second `dbt parse` rewriting
    # manifest.json while the first process reads it gave a half-written file.
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_manifest()


def run_dbt(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The project's dbt as a subprocess with its own profile and no usage statistics sent;
    `env` adds environment variables. The warehouse file it opens is a var:
    `--vars '{"duckdb_path": ...}'` (dbt_project/profiles.yml)."""
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(dbt), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
                          capture_output=True, text=True, cwd=DBT_DIR, check=False,
                          env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env})


def _ensure_manifest() -> Path:
    write_generated_models()
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_input():
        return MANIFEST
    done = run_dbt("parse", "--quiet")
    if done.returncode != 0:
        raise RuntimeError("dbt could not parse the project: " + (done.stdout + done.stderr).strip().splitlines()[-1])
    return MANIFEST
