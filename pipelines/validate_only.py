"""`vawg validate`: what a refresh would make of each landing file, without loading anything."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.landing.files import SOURCES, discover
from pipelines.landing.read import FileRejected, read_raw
from pipelines.landing.validate import validate


def validate_landing(landing: Path, today: dt.date | None = None) -> list[dict]:
    report = []
    for f in discover(landing, today or dt.date.today()):
        row = {"source": f.source, "file_name": f.file_name, "status": "rejected", "reason": f.rejected_reason}
        if not f.rejected_reason:
            try:
                raw = read_raw(f.path, SOURCES[f.source].columns)
            except FileRejected as rejected:
                row["reason"] = str(rejected)
            else:
                result = validate(f.source, raw, f.quarter)
                rules = result.quarantine["rule"].value_counts(sort=True).head(3) if result.quarantine.height else None
                row.update(status="accepted", reason=None, rows_read=raw.rows_read,
                           rows_loaded=result.accepted.height, rows_quarantined=result.quarantine.height,
                           main_rules=", ".join(f"{r} ({n})" for r, n in rules.iter_rows()) if rules is not None else "")
        report.append(row)
    return report
