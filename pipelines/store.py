"""The raw store: an append-only record of every landing file version the warehouse has seen.

Accepted rows of each file version live in one immutable Parquet file named by the file's
sha256; every sighting of a file version is appended to `loads.jsonl`. Nothing here is ever
rewritten, so a crash at any point leaves the store as it was, and a warehouse can always be
rebuilt from it (docs/decisions/0002-raw-store.md); a refresh that only adds new quarters'
files starts from the previous warehouse instead (docs/decisions/0017-incremental-refresh.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

WORK_PREFIX = ".validating-"
EVENT_COLUMNS = {
    "source": pl.Utf8,
    "file_name": pl.Utf8,
    "quarter": pl.Utf8,
    "sha256": pl.Utf8,
    "status": pl.Utf8,
    "reason": pl.Utf8,
    "rows_read": pl.Int64,
    "rows_loaded": pl.Int64,
    "rows_quarantined": pl.Int64,
    "warnings": pl.Int64,
    "columns_dropped": pl.Utf8,
    "loaded_at": pl.Utf8,
}


def _replace_durably(tmp: Path, path: Path) -> None:
    """Rename a complete temporary file into place, its bytes on disk first: the log line
    that refers to it is fsynced, so the file must not be lost behind it (a power cut)."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _write_atomic(frame: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    # the process's own temporary name: landing workers write parts side by side
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(tmp, statistics=False)  # streamed: a large file's rows are never all held
    else:
        frame.write_parquet(tmp, statistics=False)
    _replace_durably(tmp, path)


class StoreDamaged(RuntimeError):
    pass


class RawStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def log(self) -> Path:
        return self.root / "loads.jsonl"

    def version_dir(self, source: str) -> Path:
        return self.root / source

    def part(self, source: str, sha256: str, kind: str) -> Path:
        return self.version_dir(source) / f"{sha256}.{kind}.parquet"

    def has_version(self, source: str, sha256: str) -> bool:
        return self.part(source, sha256, "accepted").exists()

    def save_version(
        self,
        source: str,
        sha256: str,
        accepted: pl.DataFrame | pl.LazyFrame,
        quarantine: pl.DataFrame,
        warnings: pl.DataFrame,
    ) -> None:
        """Keep a validated file version. The accepted part is written last: its presence
        marks the version complete."""
        self.version_dir(source).mkdir(parents=True, exist_ok=True)
        _write_atomic(quarantine, self.part(source, sha256, "quarantine"))
        _write_atomic(warnings, self.part(source, sha256, "warnings"))
        _write_atomic(accepted, self.part(source, sha256, "accepted"))

    @contextmanager
    def work_folder(self) -> Iterator[Path]:
        """A folder for one validation's intermediate files, inside the store (they hold the
        same rows as its parts), removed when done; a crash's leftover goes with the
        refresh's other leftovers (`pipelines.leftovers`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=self.root) as folder:
            yield Path(folder)

    def summary_path(self, source: str, sha256: str) -> Path:
        return self.version_dir(source) / f"{sha256}.summary.json"

    def save_summary(self, source: str, sha256: str, counts: dict) -> None:
        path = self.summary_path(source, sha256)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(counts, sort_keys=True), encoding="utf-8")
        _replace_durably(tmp, path)

    def read_summary(self, source: str, sha256: str) -> dict | None:
        """A complete version's row counts; None when the version must be validated (again)."""
        path = self.summary_path(source, sha256)
        if not (self.has_version(source, sha256) and path.exists()):
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return None  # written by a store from before summaries were renamed into place

    def read_part(self, source: str, sha256: str, kind: str, columns: list[str] | None = None) -> pl.DataFrame:
        path = self.part(source, sha256, kind)
        try:
            return pl.read_parquet(path, columns=columns)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise self._damaged(path, exc) from exc

    def scan_part(self, source: str, sha256: str, kind: str) -> pl.LazyFrame:
        """A lazy scan of a part, its footer read now: a damaged file is named here, not
        when the scan is collected far from it."""
        path = self.part(source, sha256, kind)
        try:
            pl.read_parquet_schema(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise self._damaged(path, exc) from exc
        return pl.scan_parquet(path)

    @staticmethod
    def _damaged(path: Path, exc: Exception) -> "StoreDamaged":
        return StoreDamaged(
            f"the raw store's file {path} cannot be read ({str(exc).splitlines()[0]}); "
            "delete it and its .summary.json so the landing file is validated again"
        )

    def record(self, event: dict) -> None:
        """Append one sighting, unless it repeats the latest one for the same file."""
        latest = self.latest_event(event["source"], event["file_name"])
        if (
            latest
            and latest["sha256"] == event["sha256"]
            and latest["status"] == event["status"]
            and latest["reason"] == event.get("reason")
        ):
            return
        row = {k: event.get(k) for k in EVENT_COLUMNS}
        row["loaded_at"] = row["loaded_at"] or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a+b") as fh:
            line = json.dumps(row, sort_keys=True).encode() + b"\n"
            if fh.tell() and not _ends_with_newline(fh):
                line = b"\n" + line  # end a line cut short by a crash, or this one would join it
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def events(self) -> pl.DataFrame:
        rows = []
        if self.log.exists():
            for line in self.log.read_text(encoding="utf-8").splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash was never acknowledged
        return pl.DataFrame(rows, schema=EVENT_COLUMNS, orient="row")

    def latest_event(self, source: str, file_name: str) -> dict | None:
        ev = self.events().filter((pl.col("source") == source) & (pl.col("file_name") == file_name))
        return ev.row(-1, named=True) if ev.height else None

    def current_versions(self, source: str) -> pl.DataFrame:
        """The accepted version of each quarter seen last: the truth for that quarter."""
        ev = self.events().with_row_index("seq").filter((pl.col("source") == source) & (pl.col("status") == "accepted"))
        return (
            ev.sort("seq")
            .group_by("quarter", maintain_order=True)
            .last()
            .select("quarter", "file_name", "sha256")
            .sort("quarter")
        )

    def has_accepted_version(self) -> bool:
        """Whether any file version was ever accepted: a warehouse can be built from the store."""
        return bool(self.events().filter(pl.col("status") == "accepted").height)

    def audit_loads(self) -> pl.DataFrame:
        """One row per landing file version ever seen, with its status today."""
        ev = self.events().with_row_index("seq")
        if ev.height == 0:
            return ev.drop("seq")
        current = pl.concat(
            [self.current_versions(s).with_columns(source=pl.lit(s)) for s in ev["source"].unique().sort()]
        ).select("source", "quarter", "sha256", is_current=pl.lit(True))
        first = (
            ev.sort("seq")
            .group_by(["source", "file_name", "sha256"], maintain_order=True)
            .agg(pl.all().exclude("loaded_at").last(), pl.col("loaded_at").first())
        )
        return (
            first.join(current, on=["source", "quarter", "sha256"], how="left", nulls_equal=True)
            .with_columns(
                status=pl.when(pl.col("status") == "rejected")
                .then(pl.lit("rejected"))
                .when(pl.col("is_current"))
                .then(pl.lit("accepted"))
                .otherwise(pl.lit("superseded"))
            )
            .sort("seq")
            .select(list(EVENT_COLUMNS))
        )


def _ends_with_newline(fh) -> bool:
    fh.seek(-1, os.SEEK_END)
    return fh.read(1) == b"\n"
