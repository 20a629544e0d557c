"""Write a new vintage folder, carry the vintage into the new warehouse, swap, repoint `latest`.

Every file of the vintage is built from the disclosure-controlled dataset only. The quality
suite runs last; a failed expectation removes the half-built folder and stops here.

Order matters for crash safety: everything is written under temporary names first; the
vintage folder is renamed into place, then the warehouse file replaces the old one
(os.replace: readers of the old file keep their view), then `latest` is repointed. A crash
before the swap leaves the previous warehouse and `latest` as they were.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.build_file import has_table
from pipelines.publish.dataset_format import COLUMNS, REVISION_KEY, round_for_publication, write_indicators_parquet
from pipelines.publish.coverage import coverage, published_periods, sources_with_rejected_files
from pipelines.publish.manifest import write_manifest
from pipelines.publish.panel import disclosure_controlled, panel_rows_of_warehouse
from pipelines.publish.quality import QualityFailed, run_quality_suite
from pipelines.publish.report import write_report
from pipelines.publish.spreadsheet import spreadsheet_writer_ready, write_csv_and_xlsx_from_parquet
from pipelines.settings import WarehousePaths, duckdb_config
from pipelines.table_comments import comment_table


@dataclass(frozen=True)
class Publication:
    vintage: str
    folder: Path
    rows: int


def vintage_name(publish: Path, now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    while True:
        name = now.strftime("%Y%m%dT%H%M%SZ")
        if not (publish / name).exists():
            return name
        now += dt.timedelta(seconds=1)


def publish(paths: WarehousePaths, build_file: Path) -> Publication:
    paths.publish.mkdir(parents=True, exist_ok=True)
    # The CSV and the spreadsheet (pure-Python xlsxwriter, the slowest file) are written by a
    # second process from the Parquet file while this one builds the rest: the machine's other
    # core. The process starts (and imports its modules) while the disclosure control runs.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(spreadsheet_writer_ready)
        with duckdb.connect(str(build_file), config=duckdb_config(paths.warehouse)) as con:
            panel = panel_rows_of_warehouse(con)
        dataset = round_for_publication(disclosure_controlled(panel)).select(COLUMNS)

        vintage = vintage_name(paths.publish)
        staging = paths.publish / f".building-{vintage}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        write_indicators_parquet(dataset, staging / "indicators.parquet")
        text_files = pool.submit(
            write_csv_and_xlsx_from_parquet,
            staging / "indicators.parquet",
            staging / "indicators.csv",
            staging / "indicators.xlsx",
            vintage,
        )
        with duckdb.connect(str(build_file), config=duckdb_config(paths.warehouse)) as con:
            _carry_vintages(con, paths.warehouse, vintage, staging / "indicators.parquet")
            _build_revisions(con)
            periods = published_periods(con)
            absent = coverage(periods, sources_with_rejected_files(con)).absent
            manifest = write_manifest(con, staging / "manifest.json", vintage, dataset, absent)
            loads = con.sql("select * from audit.loads").pl()
            trends, revisions = _trends_and_revisions(con)
            con.execute("checkpoint")
        write_report(dataset, staging / "report.html", manifest, trends, revisions)
        (staging / "quality").mkdir()
        quality = run_quality_suite(dataset, loads, periods, staging / "quality")
        text_files.result()  # re-raises the writer's error here
    if not quality.success:
        shutil.rmtree(staging, ignore_errors=True)
        raise QualityFailed(
            "The published dataset failed its quality checks, so nothing was published: "
            + "; ".join(quality.failed)
            + "."
        )

    folder = paths.publish / vintage
    os.replace(staging, folder)
    os.replace(build_file, paths.warehouse)
    _point_latest(paths.publish, vintage)
    return Publication(vintage=vintage, folder=folder, rows=dataset.height)


def _trends_and_revisions(con: duckdb.DuckDBPyConnection):
    """The report's rows of marts.indicator_trends and marts.indicator_revisions (the revisions
    cover the vintage being published: built right after it is carried). Only the revised rows
    are read: a million keys repeat every vintage, and the report counts and lists the changed."""
    trends = con.sql("select * from marts.indicator_trends").pl()
    revisions = con.sql("select * from marts.indicator_revisions where times_changed > 0").pl()
    return trends, revisions


def _carry_vintages(con: duckdb.DuckDBPyConnection, old_warehouse: Path, vintage: str, parquet: Path) -> None:
    """marts.indicator_vintages keeps every vintage the Panel was ever given."""
    con.execute("create schema if not exists marts")
    kept = has_table(con, "marts", "indicator_vintages")
    # A build file copied from the previous warehouse (decision 0017) holds its vintages already:
    # copying them again would rewrite a million rows per vintage ever published.
    if old_warehouse.exists() and not kept:
        con.execute(f"attach '{old_warehouse}' as previous (read_only)")
        if has_table(con, "marts", "indicator_vintages", database="previous"):
            con.execute(
                "create or replace table marts.indicator_vintages as select * from previous.marts.indicator_vintages"
            )
        con.execute("detach previous")
    con.execute(
        "create table if not exists marts.indicator_vintages as "
        f"select ''::varchar as vintage, * from read_parquet('{parquet}') limit 0"
    )
    con.execute(f"insert into marts.indicator_vintages select ?, * from read_parquet('{parquet}')", [vintage])
    comment_table(con, "marts", "indicator_vintages")  # a copied table does not keep its comments


def _build_revisions(con: duckdb.DuckDBPyConnection) -> None:
    """marts.indicator_revisions: every key published in more than one vintage, its first and
    latest published value, and how many times the value differed from the key's vintage before
    (`is distinct from`: a value that became or stopped being blank is a change). Built whole from
    marts.indicator_vintages, so it always covers the vintage being published."""
    key = ", ".join(REVISION_KEY)
    con.execute(f"""
        create or replace table marts.indicator_revisions as
        with ordered as (
            select {key}, vintage, value,
                lag(value) over by_vintage is distinct from value and row_number() over by_vintage > 1 as changed,
                first_value(value) over whole as first_value,
                last_value(value) over whole as latest_value
            from marts.indicator_vintages
            window by_vintage as (partition by {key} order by vintage),
                whole as (partition by {key} order by vintage rows between unbounded preceding and unbounded following)
        )
        select {key}, min(vintage) as first_vintage, any_value(first_value) as first_value,
            max(vintage) as latest_vintage, any_value(latest_value) as latest_value,
            count(*) filter (where changed) as times_changed
        from ordered
        group by {key}
        having count(*) > 1""")
    comment_table(con, "marts", "indicator_revisions")


def _point_latest(publish: Path, vintage: str) -> None:
    link = publish / "latest"
    tmp = publish / ".latest.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(vintage, target_is_directory=True)
    os.replace(tmp, link)
