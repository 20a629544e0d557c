"""`vawg sample`: synthetic extracts for every source, in the agencies' exact formats."""
from __future__ import annotations

from pathlib import Path

from pipelines.sample.mps_crimes import write_mps_crimes

WRITERS = {"mps_crimes": write_mps_crimes}


def generate_sample(landing: Path, start: str = "2007-04", end: str = "2013-03",
                    scale: float = 1.0, seed: int = 1) -> dict[str, list[Path]]:
    return {source: writer(Path(landing), start, end, scale=scale, seed=seed)
            for source, writer in WRITERS.items()}
