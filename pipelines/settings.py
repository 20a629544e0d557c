"""Where the warehouse reads and writes: one place for every path the refresh uses."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_PUBLISH = "data/publish"
# Memory DuckDB may use in each process that builds the warehouse (the build file, dbt, the
# publication): beyond it DuckDB spills to a folder beside the file instead of growing
# (docs/decisions/0009-performance.md). dbt's profile reads the same variable.
DUCKDB_MEMORY_LIMIT = os.environ.get("VAWG_DUCKDB_MEMORY_LIMIT", "2GB")


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
