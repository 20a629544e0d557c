"""Land one source's landing files into an empty raw store and print the seconds it took: the
load's reading and validation alone, without Dagster or the warehouse (`benchmarks/run.py`
runs it with `VAWG_LOAD_WORKERS=1` and with the default workers, and measures the cores used).

    .venv/bin/python benchmarks/land_source.py LANDING SOURCE
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from pipelines.landing.files import discover
from pipelines.landing.load import land_files
from pipelines.store import RawStore

if __name__ == "__main__":  # the workers are spawned: they import this file again
    landing, source = Path(sys.argv[1]), sys.argv[2]
    files = [f for f in discover(landing, dt.date.today()) if f.source == source]
    with tempfile.TemporaryDirectory(prefix="vawg-land-") as store:
        start = time.perf_counter()
        land_files(RawStore(Path(store)), files)
        print(f"{len(files)} files in {time.perf_counter() - start:.1f} s")
