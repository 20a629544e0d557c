"""Land one file version: validate it once, keep it in the raw store, record the sighting.

A file version already in the store (same sha256) is not validated again: its stored parts
are the result. Rejected files are re-examined at each refresh, which is cheap and lets a
rule about the refresh's day (a quarter in the future) resolve itself.
"""
from __future__ import annotations

import polars as pl

from pipelines.landing.files import SOURCES, LandingFile
from pipelines.landing.read import FileRejected, read_raw
from pipelines.landing.validate import validate
from pipelines.store import RawStore


def land_file(store: RawStore, landing_file: LandingFile) -> dict:
    """Validate and keep one landing file version; return its audit event."""
    event = {"source": landing_file.source, "file_name": landing_file.file_name,
             "quarter": landing_file.quarter, "sha256": landing_file.sha256}
    if landing_file.rejected_reason:
        store.record({**event, "status": "rejected", "reason": landing_file.rejected_reason})
        return {**event, "status": "rejected", "reason": landing_file.rejected_reason}
    counts = store.read_summary(landing_file.source, landing_file.sha256)
    if counts is None:
        try:
            raw = read_raw(landing_file.path, SOURCES[landing_file.source].columns)
        except FileRejected as rejected:
            reason = str(rejected)
            store.record({**event, "status": "rejected", "reason": reason})
            return {**event, "status": "rejected", "reason": reason}
        result = validate(landing_file.source, raw, landing_file.quarter)
        counts = {
            "rows_read": raw.rows_read,
            "rows_loaded": result.accepted.height,
            "rows_quarantined": result.quarantine.height,
            "warnings": int(result.warnings["warning_count"].sum()) if result.warnings.height else 0,
            "columns_dropped": ",".join(raw.columns_dropped),
        }
        store.save_version(landing_file.source, landing_file.sha256, result.accepted,
                           result.quarantine, result.warnings)
        store.save_summary(landing_file.source, landing_file.sha256, counts)
    store.record({**event, "status": "accepted", "reason": None, **counts})
    return {**event, "status": "accepted", "reason": None, **counts}


def current_parts(store: RawStore, source: str) -> pl.DataFrame:
    """The accepted Parquet part of each quarter's current file version: quarter, file_name,
    sha256, path (in quarter order)."""
    versions = store.current_versions(source)
    return versions.with_columns(path=pl.col("sha256").map_elements(
        lambda sha: str(store.part(source, sha, "accepted")), return_dtype=pl.Utf8))


def current_rows(store: RawStore, source: str, columns: list[str] | None = None) -> pl.DataFrame:
    """Accepted rows of each quarter's current file version, tagged with the file they came from.

    `columns`: read only these (all when None).
    """
    frames = []
    for version in current_parts(store, source).iter_rows(named=True):
        frame = store.read_part(source, version["sha256"], "accepted", columns)
        tags = {"file_sha256": version["sha256"], "file_name": version["file_name"], "quarter": version["quarter"]}
        # The tags repeat on every row: as categoricals they cost a few bytes a row, not 80.
        frames.append(frame.with_columns(pl.lit(value, pl.Categorical).alias(name) for name, value in tags.items()))
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame()
