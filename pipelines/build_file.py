"""Write a source's validated rows and its audit records into the warehouse being built."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

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
    con = duckdb.connect(str(build_file))
    con.execute("create schema if not exists raw; create schema if not exists audit")
    for table, columns in AUDIT_TABLES.items():
        con.execute(f"create table if not exists audit.{table} ({columns})")
        comment_table(con, "audit", table)
    return con


def replace_source_rows(con: duckdb.DuckDBPyConnection, source: str, rows: pl.DataFrame,
                        audit: dict[str, pl.DataFrame]) -> None:
    """Make the build file hold exactly this source's rows and audit records (idempotent)."""
    con.execute("begin")
    con.register("source_rows", rows.to_arrow())
    con.execute(f"create or replace table raw.{source} as select * from source_rows")
    con.unregister("source_rows")
    comment_table(con, "raw", source)
    for table, frame in audit.items():
        con.execute(f"delete from audit.{table} where source = ?", [source])
        if frame.height:
            con.register("audit_rows", frame.to_arrow())
            columns = [c.split()[0] for c in AUDIT_TABLES[table].replace("\n", " ").split(",")]
            con.execute(f"insert into audit.{table} ({', '.join(columns)}) "
                        f"select {', '.join(columns)} from audit_rows")
            con.unregister("audit_rows")
    con.execute("commit")
