"""DuckDB comments on the tables that Python writes (raw.*, audit.*, marts.indicator_vintages).

dbt's persist_docs comments the models and seeds; these tables are dbt *sources*, described
in dbt_project/models/staging/_sources.yml with the same doc blocks as the models. Their
rendered descriptions are read from dbt's manifest, so each column is still described in one
place and the docs site and the warehouse say the same thing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb

from pipelines.dbt_manifest import manifest_path


@lru_cache(maxsize=4)
def _source_docs(path: Path, mtime: float) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    sources = json.loads(path.read_text(encoding="utf-8"))["sources"]
    return {
        (s["schema"], s["identifier"]): (s["description"], {c["name"]: c["description"] for c in s["columns"].values()})
        for s in sources.values()
    }


def source_docs(manifest: Path | None = None) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """(schema, table) -> (table description, {column: description}) of every dbt source."""
    manifest = manifest or manifest_path()
    if not manifest.exists():
        return {}  # comments are documentation: a missing manifest must not stop a load
    return _source_docs(manifest, manifest.stat().st_mtime)


def _literal(text: str) -> str:
    return "'" + text.strip().replace("'", "''") + "'"


def comment_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, manifest: Path | None = None) -> None:
    """COMMENT ON the table and each of its columns that the dbt source describes."""
    docs = source_docs(manifest).get((schema, table))
    if not docs:
        return
    description, columns = docs
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if description:
        con.execute(f"comment on table {schema}.{table} is {_literal(description)}")
    for column, text in columns.items():
        if column in present and text:
            con.execute(f'comment on column {schema}.{table}."{column}" is {_literal(text)}')
