"""Where the warehouse reads and writes: one place for every path the refresh uses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_PUBLISH = "data/publish"
# Memory DuckDB may use in each process of a refresh (VAWG_DUCKDB_MEMORY_LIMIT; the build file,
# dbt, the publication): beyond it DuckDB spills to the warehouse's spill folder instead of
# growing (docs/decisions/0034-flat-memory.md). The one setting: every DuckDB connection of a refresh,
# and dbt's profile, take their `memory_limit` and `temp_directory` from `duckdb_config`.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def spill_folder(warehouse: Path, process: str | None = None) -> Path:
    """Where DuckDB spills beyond its memory limit, for one process of a refresh of `warehouse`:
    beside it (the same disk), `<warehouse>.tmp-<process>`. Two DuckDB processes must not share
    temporary files; DuckDB creates the folder when it first spills and removes it on closing,
    and a refresh that died leaves it to the next one's removal of leftovers."""
    warehouse = Path(warehouse).absolute()
    return warehouse.with_name(f"{warehouse.name}.tmp-{process or f'process-{os.getpid()}'}")


def duckdb_config(warehouse: Path, process: str | None = None) -> dict[str, str]:
    """DuckDB's settings for a connection a refresh of `warehouse` opens (connections of one
    process share them, as DuckDB wants one configuration per open file)."""
    # read at each call: a long-lived process (`dagster dev`) and the tests see a changed setting
    return {
        "memory_limit": os.environ.get("VAWG_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
        "temp_directory": str(spill_folder(warehouse, process)),
    }


def _bytes(size: str) -> int:
    """'3GB', '500MB', '2GiB' -> bytes (DuckDB's spelling of sizes)."""
    text = size.strip().upper().replace("IB", "B")
    for unit, factor in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(float(text))


def load_workers() -> int:
    """Processes validating landing files side by side (VAWG_LOAD_WORKERS; the machine's cores)."""
    return max(1, int(os.environ.get("VAWG_LOAD_WORKERS") or os.cpu_count() or 1))


def load_memory_budget() -> int:
    """Bytes the landing workers may hold together (VAWG_LOAD_MEMORY_LIMIT, default 3GB): within
    the refresh's 4 GB with the main process beside them (docs/decisions/0035-parallel-landing.md)."""
    return _bytes(os.environ.get("VAWG_LOAD_MEMORY_LIMIT") or "3GB")


def rebuild_asked() -> bool:
    """VAWG_REBUILD=1: build every table from the raw store, not from the previous warehouse
    (docs/decisions/0017-incremental-refresh.md)."""
    return os.environ.get("VAWG_REBUILD", "") not in ("", "0")


@dataclass(frozen=True)
class WarehousePaths:
    landing: Path
    warehouse: Path
    publish: Path

    @classmethod
    def from_env(cls) -> "WarehousePaths":
        """Paths for the Dagster UI and schedule, which have no command line."""
        return cls.of(
            os.environ.get("VAWG_LANDING", DEFAULT_LANDING),
            os.environ.get("VAWG_WAREHOUSE", DEFAULT_WAREHOUSE),
            os.environ.get("VAWG_PUBLISH", DEFAULT_PUBLISH),
        )

    @classmethod
    def of(cls, landing, warehouse, publish) -> "WarehousePaths":
        return cls(Path(landing).absolute(), Path(warehouse).absolute(), Path(publish).absolute())

    @property
    def store(self) -> Path:
        """Append-only store of validated file versions, kept beside the warehouse file
        (docs/decisions/0002-raw-store.md): the warehouse can always be rebuilt from it."""
        return self.warehouse.with_name(self.warehouse.stem + ".store")

    @property
    def lock(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name + ".lock")

    @property
    def dbt_folder(self) -> Path:
        """dbt's target folder, kept between refreshes so that dbt parses only what changed
        (docs/decisions/0018-dbt-partial-parsing.md); dbt reaches the build file through a link in it."""
        return self.warehouse.with_name(self.warehouse.name + ".dbt")

    def build_file(self, run_id: str) -> Path:
        """The new warehouse of one run, built beside the old one and swapped in at the end."""
        return self.warehouse.with_name(f"{self.warehouse.name}.build-{run_id[:8]}")
