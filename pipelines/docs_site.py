"""`vawg docs`: the dbt documentation site of a built warehouse, as one static HTML file.

`dbt docs generate` reads the warehouse's catalog (tables, columns, types, row counts) and
needs a connection dbt-duckdb opens read-write, which a DuckDB file allows to one process
only. So dbt runs on a copy of the warehouse in a temporary folder: the warehouse itself is
never opened for writing, and a refresh that swaps in a new one meanwhile does not disturb it
(docs/decisions/0013-docs-site-and-comments.md).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pipelines.dbt_manifest import check_generated_models, run_dbt

SITE = Path("docs") / "index.html"  # under the publication folder, beside the vintages


def build_docs_site(warehouse: Path, publish: Path) -> Path:
    """Write <publish>/docs/index.html for the warehouse; returns its path."""
    warehouse, publish = Path(warehouse).absolute(), Path(publish).absolute()
    if not warehouse.is_file():
        raise FileNotFoundError(f"There is no warehouse at {warehouse}: run `vawg refresh` first.")
    check_generated_models()
    with tempfile.TemporaryDirectory(prefix="vawg-docs-") as tmp:
        # The copy keeps the file name, so the site shows the database name analysts see.
        copy = Path(tmp) / warehouse.name
        shutil.copyfile(warehouse, copy)
        target = Path(tmp) / "target"
        done = run_dbt(
            "docs", "generate", "--static", "--quiet", "--vars", json.dumps({"duckdb_path": str(copy)}), target=target
        )
        page = target / "static_index.html"
        if done.returncode != 0 or not page.exists():
            lines = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
            raise RuntimeError("dbt could not generate the documentation site: " + lines[-1])
        site = publish / SITE
        site.parent.mkdir(parents=True, exist_ok=True)
        partial = site.with_name(".index.html.tmp")
        shutil.copyfile(page, partial)
        os.replace(partial, site)  # a reader never sees half a page
    return site
