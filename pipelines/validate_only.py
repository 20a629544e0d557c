"""`vawg validate`: what a refresh would make of each landing file, without loading anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipelines.landing.files import SOURCES, discover
from pipelines.landing.read import FileRejected, read_raw
from pipelines.landing.validate import cross_file_columns, cross_file_failures, validate


def validate_landing(landing: Path, today: dt.date | None = None) -> list[dict]:
    report, accepted = [], {}
    for f in discover(landing, today or dt.date.today()):
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
                raw = read_raw(f.path, SOURCES[f.source].columns)
            except FileRejected as rejected:
                row["reason"] = str(rejected)
            else:
                result = validate(f.source, raw, f.quarter)
                row.update(
                    status="accepted",
                    reason=None,
                    rows_read=raw.rows_read,
                    rows_loaded=result.accepted.height,
                    rows_quarantined=result.quarantine.height,
                    rules=result.quarantine.select("rule"),
                )
                # only what the rules across files read is kept of every file
                accepted.setdefault(f.source, []).append(
                    result.accepted.select(cross_file_columns(f.source)).with_columns(
                        quarter=pl.lit(f.quarter), file_sha256=pl.lit(f.sha256)
                    )
                )
        report.append(row)
    # Rules across files (a version out of scope with no earlier version) apply as in a refresh.
    for source, frames in accepted.items():
        moved = cross_file_failures(source, pl.concat(frames, how="vertical"))
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
