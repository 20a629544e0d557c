"""Validate a landing file in groups of rows, so that its size does not set the memory it takes.

The reader hands rows on batch by batch (`read_raw_batches`); each batch is split by a hash of
the source's `PARTITION_KEY` (upper-cased, as codes are compared) into groups written to a
work folder, and each group is validated on its own by `validate`. Every rule that compares
rows of a file (`duplicate_key`; a service provider's rows) compares rows sharing that key,
which always fall in the same group, so the outcome is the whole file's (decision 0039). The
accepted rows of each group go back to the work folder, and the store reads them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.landing.files import SOURCES
from pipelines.landing.read import ROW_NUMBER, RawTable, read_raw, read_raw_batches
from pipelines.landing.validate import QUARANTINE_SCHEMA, WARNINGS_SCHEMA, validate
from pipelines.sources import BY_ID

# Bytes of landing file per group: the memory of a file's validation follows the size of one
# group, not the size of the file (decision 0039 has the measures).
PARTITION_BYTES = 64 << 20


@dataclass(frozen=True)
class FileValidation:
    """A landing file's outcome, over all its groups. `accepted`: a scan of the accepted rows
    (`row_number` + the source's typed columns, by group then row), valid while the work folder
    lives; `quarantine` and `warnings` as in `ValidationResult`."""

    rows_read: int
    rows_loaded: int
    accepted: pl.LazyFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    columns_dropped: tuple[str, ...]

    @property
    def counts(self) -> dict:
        """The version's row counts as the store's summary and the audit keep them."""
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.quarantine.height,
            "warnings": int(self.warnings["warning_count"].sum()) if self.warnings.height else 0,
            "columns_dropped": ",".join(self.columns_dropped),
        }


class _GroupFiles:
    """A `BatchTarget` writing each batch's rows to the file of their group."""

    def __init__(self, folder: Path, key: str, groups: int):
        self.folder, self.key, self.groups = folder, key, groups
        self.batches = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, batch: pl.DataFrame) -> None:
        group = (pl.col(self.key).str.to_uppercase().hash(seed=0) % self.groups).alias("_group")
        for (number,), rows in batch.with_columns(group).partition_by("_group", as_dict=True).items():
            rows.drop("_group").write_ipc(self.folder / f"{number}-{self.batches}.arrow", compression="uncompressed")
        self.batches += 1

    def clear(self) -> None:
        for path in self.folder.glob("*.arrow"):
            path.unlink()
        self.batches = 0

    def take(self, number: int, schema: dict) -> pl.DataFrame:
        """The group's rows in file order, its files removed."""
        paths = sorted(self.folder.glob(f"{number}-*.arrow"), key=lambda p: int(p.stem.split("-")[1]))
        rows = pl.concat([pl.read_ipc(p) for p in paths]) if paths else pl.DataFrame(schema=schema)
        for path in paths:
            path.unlink()
        return rows


def validate_file(source: str, path: Path, quarter: str, work: Path) -> FileValidation:
    """Read and validate the landing file `path` of `source` for `quarter` in groups of rows,
    using the folder `work` (which the caller removes). Raises `FileRejected` as `read_raw`."""
    module = BY_ID[source].schema
    columns = SOURCES[source].columns
    groups = max(1, -(-Path(path).stat().st_size // PARTITION_BYTES))
    if groups == 1:  # held whole: no detour through the work folder
        raw = read_raw(path, columns)
        result = validate(source, raw, quarter)
        return FileValidation(
            rows_read=result.rows_read,
            rows_loaded=result.rows_loaded,
            accepted=result.accepted.lazy(),
            quarantine=result.quarantine,
            warnings=result.warnings,
            columns_dropped=result.columns_dropped,
        )
    target = _GroupFiles(work / "read", module.PARTITION_KEY, groups)
    read = read_raw_batches(path, columns, target)
    schema = {ROW_NUMBER: pl.Int64, **{c: pl.Utf8 for c in columns}}
    no_ragged = read.ragged.clear()
    accepted, quarantines, warnings = [], [], []
    rows_read = rows_loaded = 0
    for number in range(groups):
        raw = RawTable(
            file_name=read.file_name,
            data=target.take(number, schema),
            ragged=read.ragged if number == 0 else no_ragged,
            columns_dropped=read.columns_dropped,
        )
        result = validate(source, raw, quarter)
        accepted.append(work / f"accepted-{number}.arrow")
        result.accepted.write_ipc(accepted[-1], compression="uncompressed")
        quarantines.append(result.quarantine)
        warnings.append(result.warnings)
        rows_read += result.rows_read
        rows_loaded += result.rows_loaded
    return FileValidation(
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        accepted=pl.scan_ipc(accepted),
        quarantine=pl.concat(quarantines).cast(QUARANTINE_SCHEMA).sort(ROW_NUMBER),
        warnings=_summed(warnings, module.COLUMNS),
        columns_dropped=read.columns_dropped,
    )


def _summed(warnings: list[pl.DataFrame], columns: tuple[str, ...]) -> pl.DataFrame:
    """Each column's warnings over the groups, in column order (as one group gives them)."""
    order = {c: i for i, c in enumerate(columns)}
    return (
        pl.concat(warnings)
        .group_by("column_name")
        .agg(pl.col("warning_count").sum())
        .sort(pl.col("column_name").replace_strict(order, return_dtype=pl.Int64))
        .cast(WARNINGS_SCHEMA)
    )
