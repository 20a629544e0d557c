"""Keep dbt's manifest up to date before Dagster loads it, once the generated indicator models
are known to match indicators.yml (they are written by `vawg generate`, never here).

Dagster's dbt assets are read from dbt's manifest.json at import time; parsing is only needed
when indicators.yml or the dbt project changed since the last parse. The manifest is written
beside the warehouse the definitions are loaded for (VAWG_WAREHOUSE, which `vawg refresh`
sets from --warehouse), never into the dbt project: an installed package is only read.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

from pipelines.indicators.codegen import stale_models
from pipelines.project_files import DBT_DIR, DBT_EXECUTABLE, INDICATORS_YML, SEEDS_DIR
from pipelines.settings import WarehousePaths


def input_files() -> list[Path]:
    """Every file the dbt project is made from: indicators.yml, the project's own folders
    (not target/ or logs/: walking them cost seconds) and the seeds."""
    folders = [DBT_DIR / f for f in ("models", "macros", "tests")]
    return [
        INDICATORS_YML,
        *DBT_DIR.glob("*.yml"),
        *(p for f in folders for pattern in ("*.sql", "*.yml", "*.md", "*.py") for p in f.rglob(pattern)),
        *SEEDS_DIR.glob("*.csv"),
        *SEEDS_DIR.glob("*.yml"),
    ]


def manifest_folder() -> Path:
    """dbt's target folder for the definitions' manifest: its own folder inside the warehouse's
    dbt folder, so that this parse and the refresh's `dbt build` keep separate partial parses."""
    return WarehousePaths.from_env().dbt_folder / "definitions"


def manifest_path() -> Path:
    return manifest_folder() / "manifest.json"


def ensure_manifest() -> Path:
    # One process at a time (test workers start together): a second `dbt parse` rewriting
    # manifest.json while the first process reads it gave a half-written file.
    folder = manifest_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_manifest(folder)


def run_dbt(*args: str, target: Path, **env: str) -> subprocess.CompletedProcess:
    """The project's dbt as a subprocess with its own profile and no usage statistics sent; its
    target and log files go into `target`, never into the project. `env` adds environment
    variables. The warehouse file it opens is a var: `--vars '{"duckdb_path": ...}'`
    (dbt_project/profiles.yml)."""
    target.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(DBT_EXECUTABLE),
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=target,
        check=False,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
    )


class GeneratedModelsStale(RuntimeError):
    pass


def check_generated_models() -> None:
    """Refuse to build from models out of step with indicators.yml: the published metadata reads
    the file itself, so stale SQL would publish figures that disagree with their definitions."""
    stale = stale_models()
    if stale:
        raise GeneratedModelsStale(
            "The generated indicator models are out of step with indicators.yml "
            f"({', '.join(stale)}): run `vawg generate` (or `make generate`) and commit the result."
        )


def _inputs_digest() -> str:
    """The project's content, not modification times: an upgraded package can carry older times."""
    digest = hashlib.sha256()
    for path in sorted(input_files()):
        digest.update(str(path.relative_to(DBT_DIR.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _ensure_manifest(folder: Path) -> Path:
    check_generated_models()
    manifest, parsed = folder / "manifest.json", folder / "manifest.inputs"
    digest = _inputs_digest()
    if manifest.exists() and parsed.exists() and parsed.read_text(encoding="utf-8") == digest:
        return manifest
    done = run_dbt("parse", "--quiet", target=folder)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        raise RuntimeError("dbt could not parse the project: " + lines[-1])
    parsed.write_text(digest, encoding="utf-8")
    return manifest
