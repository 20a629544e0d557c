"""Compare two warehouses table by table: the check that an incremental refresh built exactly
what a refresh from scratch builds (tests/test_incremental_refresh.py, benchmarks/run.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Columns that say when or by which run a row was written, not what it holds; and the tables of
# every vintage ever published, of its revisions and of the run that built incrementally, which
# two warehouses with different histories do not share.
RUN_COLUMNS = {("audit", "loads"): {"loaded_at"}, ("audit", "raw_parts"): {"added_in_run"}}
HISTORY_TABLES = {("marts", "indicator_vintages"), ("marts", "indicator_revisions"), ("audit", "incremental_run")}


def differing_tables(a: Path, b: Path) -> tuple[int, list[str]]:
    """(tables compared, tables of `a` whose rows differ from `b`'s: both ways, duplicates
    counted, as `except all`)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
        tables = [
            t
            for t in con.sql(
                "select schema_name, table_name from duckdb_tables() where database_name = 'a' order by all"
            ).fetchall()
            if t not in HISTORY_TABLES
        ]
        differing = []
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'a' and schema_name = ? "
                    "and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
                if c not in RUN_COLUMNS.get((schema, table), set())
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.sql(
                    f"select count(*) from (select {select} from {x}.{schema}.{table} "
                    f"except all select {select} from {y}.{schema}.{table})"
                ).fetchall()[0][0]
                if extra:
                    differing.append(f"{schema}.{table}")
                    break
        return len(tables), differing
    finally:
        con.close()
