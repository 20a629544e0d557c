"""`vawg sample`: synthetic extracts for every source, in the agencies' exact formats.

Each source's generator is `pipelines.sample.<source>.write_<source>(landing, start, end,
scale=, seed=)`; sources without one yet are skipped.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from pipelines.landing.files import SOURCES


def writers() -> dict:
    found = {}
    for source in SOURCES:
        try:
            module = importlib.import_module(f"pipelines.sample.{source}")
        except ModuleNotFoundError:
            continue
        found[source] = getattr(module, f"write_{source}")
    return found


def generate_sample(landing: Path, start: str = "2007-04", end: str = "2013-03",
                    scale: float = 1.0, seed: int = 1) -> dict[str, list[Path]]:
    return {source: writer(Path(landing), start, end, scale=scale, seed=seed)
            for source, writer in writers().items()}
