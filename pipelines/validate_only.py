"""`vawg validate`: what a refresh would make of each landing file, without loading anything."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl

from pipelines.landing.files import discover
from pipelines.landing.partitioned import validate_file
from pipelines.landing.read import FileRejected
from pipelines.landing.validate import cross_file_columns, cross_file_failures


def validate_landing(landing: Path, today: dt.date | None = None) -> list[dict]:
    # Each file is validated in groups of rows, and what the rules across files read is kept
    # in a work folder, not in memory: the memory a refresh takes (decision 0039).
    with tempfile.TemporaryDirectory(prefix="vawg-validate-") as work:
        return _validate_landing(landing, today or dt.date.today(), Path(work))


def _validate_landing(landing: Path, today: dt.date, work: Path) -> list[dict]:
    report: list[dict] = []
    accepted: dict[str, list[Path]] = {}
    for number, f in enumerate(discover(landing, today)):
        row = {
            "source": f.source,
            "file_name": f.file_name,
            "sha256": f.sha256,
            "status": "rejected",
            "reason": f.rejected_reason,
            "rules": pl.DataFrame(schema={"rule": pl.Utf8}),
        }
        if not f.rejected_reason:
            try:
                result = validate_file(f.source, f.path, f.quarter, work / str(number))
            except FileRejected as rejected:
                row["reason"] = str(rejected)
            else:
                row.update(
                    status="accepted",
                    reason=None,
                    rows_read=result.rows_read,
                    rows_loaded=result.rows_loaded,
                    rows_quarantined=result.quarantine.height,
                    rules=result.quarantine.select("rule"),
                )
                # only what the rules across files read is kept of every file
                kept = work / f"{number}.cross_file.parquet"
                result.accepted.select(cross_file_columns(f.source)).with_columns(
                    quarter=pl.lit(f.quarter), file_sha256=pl.lit(f.sha256)
                ).sink_parquet(kept)
                accepted.setdefault(f.source, []).append(kept)
        report.append(row)
    # Rules across files (a version out of scope with no earlier version) apply as in a refresh.
    for source, kept in accepted.items():
        moved = cross_file_failures(source, pl.scan_parquet(kept))
        for row in report:
            taken = moved.filter(pl.col("file_sha256") == row["sha256"])
            if row["status"] == "accepted" and taken.height:
                row["rows_loaded"] -= taken.height
                row["rows_quarantined"] += taken.height
                row["rules"] = pl.concat([row["rules"], taken.select("rule")])
    for row in report:
        counts = row.pop("rules")["rule"].value_counts(sort=True).head(3)
        row["main_rules"] = ", ".join(f"{r} ({n})" for r, n in counts.iter_rows())
    return report
