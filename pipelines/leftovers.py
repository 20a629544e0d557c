"""What a refresh that died leaves behind, and its removal by the next writer.

Every write of a refresh goes to a temporary name first (the warehouse being built, a vintage
folder being written, a Parquet part of the raw store, the `latest` link being made), and is
renamed into place only when complete. A crash therefore leaves only such temporary files;
nothing reads them, and the next writer removes them. Call this only while holding the writer
lock: then no running refresh can own them.
"""

from __future__ import annotations

import shutil

from pipelines.settings import WarehousePaths
from pipelines.store import WORK_PREFIX


def remove_leftovers(paths: WarehousePaths) -> list[str]:
    """Remove temporary files of dead refreshes; return their names (for the log)."""
    found = []
    if paths.warehouse.parent.exists():
        # the build file and DuckDB's write-ahead log beside it
        found += [p for p in paths.warehouse.parent.glob(paths.warehouse.name + ".build-*")]
        # what DuckDB spilled beyond its memory limit (docs/decisions/0034-flat-memory.md)
        found += [p for p in paths.warehouse.parent.glob(paths.warehouse.name + ".tmp-*")]
    if paths.publish.exists():
        found += [p for p in paths.publish.glob(".building-*")]
        found += [p for p in paths.publish.glob(".latest.tmp") if p.is_symlink() or p.exists()]
    if paths.store.exists():
        found += [p for p in paths.store.rglob("*.tmp")]
        # a validation's groups of rows (pipelines/landing/partitioned.py)
        found += [p for p in paths.store.glob(WORK_PREFIX + "*")]
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return [p.name for p in found]
