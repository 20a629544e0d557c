"""`vawg sample`: synthetic extracts for every source, in the agencies' exact formats.

Each source's generator is its registry entry's `write_sample(landing, start, end, scale=,
seed=)` (pipelines/sources.py).
"""

from __future__ import annotations

from pathlib import Path

from pipelines.sources import SOURCES


def writers() -> dict:
    return {source.id: source.write_sample for source in SOURCES}


def generate_sample(
    landing: Path, start: str = "2007-04", end: str = "2013-03", scale: float = 1.0, seed: int = 1
) -> dict[str, list[Path]]:
    return {source: writer(Path(landing), start, end, scale=scale, seed=seed) for source, writer in writers().items()}
