"""manifest.json: what a vintage was built from, so any figure can be traced to its files."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import version
from pathlib import Path

import duckdb
import polars as pl

from pipelines.project_files import FROM_CHECKOUT


def code_version() -> str:
    """The package version, and the git commit when run from a checkout (an installed package's
    folder may sit inside some other repository)."""
    if not FROM_CHECKOUT:
        return version("vawg-warehouse")
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{version('vawg-warehouse')}+{sha}" if sha else version("vawg-warehouse")


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return json.loads(con.sql(sql).pl().write_json())


def data_as_at(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest last_modified (or event date) loaded from any source."""
    value = con.sql("select as_at_date from intermediate.int_data_as_at").fetchall()[0][0]
    return value.isoformat() if value else None


def write_manifest(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: str, dataset: pl.DataFrame, absent: dict
) -> dict:
    """`absent`: the sources and indicators with no row, and why (pipelines/publish/coverage.py)."""
    manifest = {
        "vintage": vintage,
        "code_version": code_version(),
        "data_as_at": data_as_at(con),
        "input_files": _records(
            con,
            """
            select source, file_name, quarter, sha256, status, reason, rows_read, rows_loaded,
                   rows_quarantined, warnings, columns_dropped, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') as loaded_at
            from audit.loads order by source, quarter, file_name, loaded_at""",
        ),
        "rejected_files": _records(
            con,
            """
            select source, file_name, sha256, reason from audit.landing_files
            where status = 'rejected' order by source, file_name""",
        ),
        "missing_service_returns": _records(
            con,
            """
            select provider_id, service_type_code, borough_code, strftime(quarter_start, '%Y-%m') as quarter
            from marts.fct_service_returns_missing order by quarter, provider_id""",
        ),
        "absent": absent,
        "dataset": {
            "rows": dataset.height,
            "suppressed_rows": int(dataset["suppressed"].sum()),
            "indicators": dataset.group_by("indicator_id")
            .len()
            .sort("indicator_id")
            .rename({"len": "rows"})
            .to_dicts(),
        },
    }
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest
