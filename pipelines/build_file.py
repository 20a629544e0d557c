"""Write a source's validated rows and its audit records into the warehouse being built."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import DUCKDB_MEMORY_LIMIT
from pipelines.table_comments import comment_table

AUDIT_TABLES = {
    "loads": """source varchar, file_name varchar, quarter varchar, sha256 varchar, status varchar,
        reason varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
        warnings bigint, columns_dropped varchar, loaded_at timestamp""",
    "quarantine": """source varchar, file_name varchar, sha256 varchar, row_number bigint,
        rule varchar, column_name varchar, raw_record varchar""",
    "warnings": "source varchar, file_name varchar, sha256 varchar, column_name varchar, warning_count bigint",
    "landing_files": "source varchar, file_name varchar, quarter varchar, sha256 varchar, status varchar, reason varchar",
}


def connect(build_file: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(build_file), config={"memory_limit": DUCKDB_MEMORY_LIMIT})
    con.execute("create schema if not exists raw; create schema if not exists audit")
    for table, columns in AUDIT_TABLES.items():
        con.execute(f"create table if not exists audit.{table} ({columns})")
        comment_table(con, "audit", table)
    return con


def replace_source_rows(con: duckdb.DuckDBPyConnection, source: str, parts: pl.DataFrame,
                        taken_out: pl.DataFrame, empty: pl.DataFrame,
                        audit_of: Callable[[pl.DataFrame], dict[str, pl.DataFrame]]) -> int:
    """Make the build file hold exactly this source's rows and audit records (idempotent).

    `parts`: each quarter's current accepted Parquet part (quarter, file_name, sha256, path);
    DuckDB reads them itself, so no process holds all of a source's rows at once. Rows named
    in `taken_out` (file_sha256, row_number: rules across files) are left out, and handed
    whole to `audit_of`, which returns the audit tables' rows of the source; `empty` gives
    the table's columns when there is no part. Returns the number of rows loaded.
    """
    con.register("taken_out", taken_out.select("file_sha256", "row_number").to_arrow())
    keys = "r.file_sha256 = t.file_sha256 and r.row_number = t.row_number"
    con.execute("begin")
    if parts.height:
        selects = " union all ".join(
            f"select *, {_text(p['sha256'])} as file_sha256, {_text(p['file_name'])} as file_name, "
            f"{_text(p['quarter'])} as quarter from read_parquet({_text(p['path'])})"
            for p in parts.iter_rows(named=True))
        # The rows taken out are left out as the table is written, not deleted after: a delete
        # in the same transaction made the commit rewrite the whole table (23 s at scale 10).
        con.execute(f"create or replace table raw.{source} as "
                    f"select * from ({selects}) as r anti join taken_out as t on {keys}")
        taken_rows = con.sql(f"select * from ({selects}) as r semi join taken_out as t on {keys}").pl()
    else:
        con.register("source_rows", empty.to_arrow())
        con.execute(f"create or replace table raw.{source} as select * from source_rows")
        con.unregister("source_rows")
        taken_rows = empty
    con.unregister("taken_out")
    audit = audit_of(taken_rows)
    comment_table(con, "raw", source)
    for table, frame in audit.items():
        con.execute(f"delete from audit.{table} where source = ?", [source])
        if frame.height:
            con.register("audit_rows", frame.to_arrow())
            columns = [c.split()[0] for c in AUDIT_TABLES[table].replace("\n", " ").split(",")]
            con.execute(f"insert into audit.{table} ({', '.join(columns)}) "
                        f"select {', '.join(columns)} from audit_rows")
            con.unregister("audit_rows")
    loaded = con.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
    con.execute("commit")
    return loaded


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
