"""Keep the generated indicator models and dbt's manifest up to date before Dagster loads them.

Dagster's dbt assets are read from target/manifest.json at import time; parsing is only
needed when indicators.yml or the dbt project changed since the last parse.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.indicators.codegen import write_generated_models

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"


def _newest_input() -> float:
    paths = [ROOT / "indicators.yml", *DBT_DIR.rglob("*.sql"), *DBT_DIR.rglob("*.yml"), *DBT_DIR.rglob("*.md"),
             *DBT_DIR.rglob("*.py"), *(ROOT / "seeds").glob("*.csv"), *(ROOT / "seeds").glob("*.yml")]
    return max(p.stat().st_mtime for p in paths if "target" not in p.parts)


def ensure_manifest() -> Path:
    write_generated_models()
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_input():
        return MANIFEST
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run([str(dbt), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
                          capture_output=True, text=True, env=env, cwd=DBT_DIR)
    if done.returncode != 0:
        raise RuntimeError("dbt could not parse the project: " + (done.stdout + done.stderr).strip().splitlines()[-1])
    return MANIFEST
