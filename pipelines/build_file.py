"""Write a source's validated rows and its audit records into the warehouse being built.

A new warehouse starts as a copy of the previous one when the same code built it, and a raw
table is then only added to when its source gained new quarters' files and nothing else
changed (docs/decisions/0017-incremental-refresh.md); otherwise it is written whole from the
raw store, as on a first refresh.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import duckdb_config, rebuild_asked
from pipelines.table_comments import comment_table

AUDIT_TABLES = {
    "loads": """source varchar, file_name varchar, quarter varchar, sha256 varchar, status varchar,
        reason varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
        warnings bigint, columns_dropped varchar, loaded_at timestamp""",
    "quarantine": """source varchar, file_name varchar, sha256 varchar, row_number bigint,
        rule varchar, column_name varchar, raw_record varchar""",
    "warnings": "source varchar, file_name varchar, sha256 varchar, column_name varchar, warning_count bigint",
    "landing_files": "source varchar, file_name varchar, quarter varchar, sha256 varchar, status varchar, reason varchar",
    "raw_parts": """source varchar, quarter varchar, file_name varchar, file_sha256 varchar,
        rows_taken_out bigint[], added_in_run varchar, code_fingerprint varchar""",
    "incremental_run": "run_id varchar",
}
ROOT = Path(__file__).resolve().parents[1]


def code_fingerprint() -> str:
    """sha256 of the code a warehouse's kept tables depend on: the dbt project and its seeds,
    the extract schemas, the landing code and this module (and DuckDB's version). Read from
    the files at each call, not cached: dbt reads its project from disk when it runs, so a
    long-lived process (`dagster dev`) must see an edited model."""
    from pipelines.dbt_manifest import input_files

    files = {
        *input_files(),
        *(ROOT / "schemas").rglob("*.py"),
        *(ROOT / "pipelines" / "landing").rglob("*.py"),
        Path(__file__).resolve(),
    }
    digest = hashlib.sha256(duckdb.__version__.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, database: str | None = None) -> bool:
    """Whether `database` (the connection's own when None) has the table."""
    return (
        con.execute(
            "select count(*) from duckdb_tables() where database_name = coalesce(?, current_database()) "
            "and schema_name = ? and table_name = ?",
            [database, schema, table],
        ).fetchall()[0][0]
        > 0
    )


def built_by_this_code(warehouse: Path) -> bool:
    try:
        with duckdb.connect(str(warehouse), read_only=True, config=duckdb_config(warehouse)) as con:
            found = con.execute("select distinct code_fingerprint from audit.raw_parts").fetchall()
    except duckdb.Error:  # no such table: built before raw parts were recorded, or not a warehouse
        return False
    return found == [(code_fingerprint(),)]


def start(build_file: Path, previous: Path) -> None:
    """Begin the run's build file: a copy of the previous warehouse when this code built it
    (its raw tables and incremental models are then added to), else an empty file."""
    if not build_file.exists() and previous.exists() and not rebuild_asked() and built_by_this_code(previous):
        shutil.copyfile(previous, build_file)


def connect(build_file: Path, previous: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The build file, with DuckDB spilling beside `previous` (the warehouse) beyond its limit."""
    if previous is not None:
        start(build_file, previous)
    con = duckdb.connect(str(build_file), config=duckdb_config(previous if previous is not None else build_file))
    con.execute("create schema if not exists raw; create schema if not exists audit")
    for table, columns in AUDIT_TABLES.items():
        con.execute(f"create table if not exists audit.{table} ({columns})")
        comment_table(con, "audit", table)
    return con


def replace_source_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    parts: pl.DataFrame,
    taken_out: pl.DataFrame,
    empty: pl.DataFrame,
    audit_of: Callable[[pl.DataFrame], dict[str, pl.DataFrame]],
    run_id: str,
) -> int:
    """Make the build file hold exactly this source's rows and audit records (idempotent).

    `parts`: each quarter's current accepted Parquet part (quarter, file_name, sha256, path);
    DuckDB reads them itself, so no process holds all of a source's rows at once. Rows named
    in `taken_out` (file_sha256, row_number: rules across files) are left out, and handed
    whole to `audit_of`, which returns the audit tables' rows of the source; `empty` gives
    the table's columns when there is no part. `audit.raw_parts` records the parts, the rows
    taken out of each and the run that added it. Returns the number of rows loaded.
    """
    con.register("taken_out", taken_out.select("file_sha256", "row_number").to_arrow())
    keys = "r.file_sha256 = t.file_sha256 and r.row_number = t.row_number"
    taken_by_part = _taken_by_part(taken_out)
    fingerprint = code_fingerprint()
    kept = _parts_kept(con, source, parts, taken_by_part, fingerprint)
    con.execute("begin")
    if parts.height:
        added = parts.filter(~pl.col("sha256").is_in(list(kept))) if kept is not None else parts
        # The rows taken out are left out as the table is written, not deleted after: a delete
        # in the same transaction made the commit rewrite the whole table.
        if kept is None:
            con.execute(
                f"create or replace table raw.{source} as "
                f"select * from ({_selects(parts)}) as r anti join taken_out as t on {keys}"
            )
        elif added.height:
            con.execute(
                f"insert into raw.{source} by name "
                f"select * from ({_selects(added)}) as r anti join taken_out as t on {keys}"
            )
        with_taken = parts.filter(pl.col("sha256").is_in(list(taken_by_part)))
        taken_rows = (
            con.sql(f"select * from ({_selects(with_taken)}) as r semi join taken_out as t on {keys}").pl()
            if with_taken.height
            else empty
        )
        _record_parts(con, source, parts, taken_by_part, kept or {}, run_id, fingerprint)
    else:
        con.register("source_rows", empty.to_arrow())
        con.execute(f"create or replace table raw.{source} as select * from source_rows")
        con.unregister("source_rows")
        taken_rows = empty
        _record_parts(con, source, parts, {}, {}, run_id, fingerprint)
    con.unregister("taken_out")
    audit = audit_of(taken_rows)
    comment_table(con, "raw", source)
    for table, frame in audit.items():
        con.execute(f"delete from audit.{table} where source = ?", [source])
        if frame.height:
            con.register("audit_rows", frame.to_arrow())
            columns = [c.split()[0] for c in AUDIT_TABLES[table].replace("\n", " ").split(",")]
            con.execute(f"insert into audit.{table} ({', '.join(columns)}) select {', '.join(columns)} from audit_rows")
            con.unregister("audit_rows")
    loaded = con.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
    con.execute("commit")
    return loaded


def _selects(parts: pl.DataFrame) -> str:
    return " union all ".join(
        f"select *, {_text(p['sha256'])} as file_sha256, {_text(p['file_name'])} as file_name, "
        f"{_text(p['quarter'])} as quarter from read_parquet({_text(p['path'])})"
        for p in parts.iter_rows(named=True)
    )


def _taken_by_part(taken_out: pl.DataFrame) -> dict[str, list[int]]:
    grouped = taken_out.group_by("file_sha256").agg(pl.col("row_number").sort())
    return dict(zip(grouped["file_sha256"], (list(r) for r in grouped["row_number"])))


def _parts_kept(
    con: duckdb.DuckDBPyConnection,
    source: str,
    parts: pl.DataFrame,
    taken_by_part: dict[str, list[int]],
    fingerprint: str,
) -> dict[str, str] | None:
    """The parts already in the build file's raw table, {sha256: run that added them}, when
    the table can simply be added to: every part it holds is still its quarter's current
    one, with the same rows taken out. None when it must be written whole."""
    exists = has_table(con, "raw", source)
    held = con.execute(
        "select quarter, file_sha256, rows_taken_out, added_in_run, code_fingerprint "
        "from audit.raw_parts where source = ?",
        [source],
    ).fetchall()
    current = set(zip(parts["quarter"], parts["sha256"]))
    if not exists or not held:
        return None
    for quarter, sha, taken, _, held_fingerprint in held:
        if (
            (quarter, sha) not in current
            or sorted(taken) != taken_by_part.get(sha, [])
            or held_fingerprint != fingerprint
        ):
            return None
    return {sha: run for _, sha, _, run, _ in held}


def _record_parts(
    con: duckdb.DuckDBPyConnection,
    source: str,
    parts: pl.DataFrame,
    taken_by_part: dict[str, list[int]],
    kept: dict[str, str],
    run_id: str,
    fingerprint: str,
) -> None:
    con.execute("delete from audit.raw_parts where source = ?", [source])
    if not parts.height:  # a source with no accepted file yet
        return
    con.executemany(
        "insert into audit.raw_parts values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                source,
                p["quarter"],
                p["file_name"],
                p["sha256"],
                taken_by_part.get(p["sha256"], []),
                kept.get(p["sha256"], run_id),
                fingerprint,
            ]
            for p in parts.iter_rows(named=True)
        ],
    )


def appended_only(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """True when this run only added files to raw tables kept from the previous warehouse:
    dbt's incremental models may then rebuild only the records those files touch."""
    held, rewritten = con.execute(
        "select count(*), count(*) filter (where whole) from (select bool_and(added_in_run = ?) as whole "
        "from audit.raw_parts group by source)",
        [run_id],
    ).fetchall()[0]
    return held > 0 and rewritten == 0


def record_incremental_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> None:
    """audit.incremental_run: the run whose added police files dbt's incremental models rebuild
    (one row), or no row when dbt builds every model whole. dbt reads the run id from here, not
    from a var or the environment (decision 0033)."""
    con.execute(f"create table if not exists audit.incremental_run ({AUDIT_TABLES['incremental_run']})")
    con.execute("begin")
    con.execute("delete from audit.incremental_run")
    if run_id is not None:
        con.execute("insert into audit.incremental_run values (?)", [run_id])
    con.execute("commit")


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
