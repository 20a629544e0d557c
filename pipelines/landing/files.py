"""What may lie in the landing folder, and which of it is loadable.

`SOURCES` gives each source's file contract of extracts.md, from its entry in
`pipelines.sources`: the allowed extensions and the listed columns (in the spec's order),
each marked with whether the header must contain it. A column whose value is required —
always or under a condition, such as `no_crime_date` for a `NO_CRIME` — must be in the
header, or the file is rejected; an optional column that is absent is read as blank
throughout (every value "unknown").

`discover` lists the landing files and applies the file-level rules that depend only on
the name and the neighbours: naming, quarters before the first the warehouse accepts or after
the refresh's day, a .csv and an .xlsx for the same quarter. Content rules (decoding, header)
belong to `read.py`. `landing_problem` says when a landing folder cannot be the one meant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pipelines.periods import FIRST_QUARTER
from pipelines.sources import BY_ID, Source

_NAME = re.compile(r"^(\d{4})-(\d{2})\.(csv|xlsx)$")
_QUARTER_MONTHS = ("01", "04", "07", "10")

# Each source's file rules (`columns`, `extensions`) are in its registry entry.
SOURCES: Mapping[str, Source] = BY_ID


@dataclass(frozen=True)
class LandingFile:
    source: str
    path: Path
    file_name: str  # e.g. "2009-04.csv"
    quarter: str | None  # "YYYY-MM", None when the name does not give one
    sha256: str
    rejected_reason: str | None = None  # one sentence naming the file; None = loadable


def is_ignored(name: str) -> bool:
    """Editor and system files (`.DS_Store`, `~$2009-04.xlsx` lock files)."""
    return name.startswith(".") or name.startswith("~$")


# Every step of a refresh looks at the landing folder; a file unchanged since it was last
# hashed in this process (same size, modification time and inode) is not read again: at
# national scale each look read every landing file.
_hashed: dict[tuple, str] = {}


def sha256_of(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _hashed:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _hashed[key] = digest.hexdigest()
    return _hashed[key]


def quarter_of(file_name: str) -> str | None:
    """`2009-04.csv` -> `2009-04`; None unless the name is a quarter's first month."""
    m = _NAME.match(file_name)
    if not m or m.group(2) not in _QUARTER_MONTHS or m.group(1) == "0000":
        return None
    return f"{m.group(1)}-{m.group(2)}"


def landing_paths(landing: Path) -> dict[str, list[Path]]:
    """The files of each source folder that a refresh looks at, without reading them (the
    file-arrival sensor compares their sizes and times every minute)."""
    paths: dict[str, list[Path]] = {}
    for source in SOURCES:
        folder = Path(landing) / source
        if folder.is_dir():
            paths[source] = sorted(p for p in folder.iterdir() if p.is_file() and not is_ignored(p.name))
    return paths


def landing_problem(landing: Path) -> str | None:
    """Why `landing` cannot be a landing folder (it does not exist, or holds none of the five
    source folders, as when its path is mistyped); None when it can."""
    landing = Path(landing)
    if not landing.is_dir():
        what = "is not a folder" if landing.exists() else "does not exist"
        return f"The landing folder {landing} {what}; check the path given to --landing."
    if not any((landing / source).is_dir() for source in SOURCES):
        return (
            f"The landing folder {landing} holds none of the five source folders "
            f"({', '.join(SOURCES)}); check the path given to --landing."
        )
    return None


def name_rejections(landing: Path, today: dt.date) -> list[tuple[str, Path, str | None, str | None]]:
    """(source, path, quarter, reason for rejecting it or None) of every file a refresh looks
    at, from the names alone: nothing is read, so the sensor and the schedule can call it."""
    found = []
    for source, files in landing_paths(landing).items():
        quarters = [quarter_of(p.name) for p in files]
        for path, quarter in zip(files, quarters):
            label = f"{source}/{path.name}"
            reason = None
            if quarter is None:
                reason = (
                    f"{label} is not named YYYY-MM.csv or YYYY-MM.xlsx with the first "
                    f"month of a quarter (01, 04, 07 or 10)."
                )
            elif quarter < FIRST_QUARTER:
                reason = (
                    f"{label} is for the quarter starting {quarter}-01, before {FIRST_QUARTER}-01, "
                    f"the first quarter the warehouse accepts."
                )
            elif dt.date.fromisoformat(f"{quarter}-01") > today:
                reason = (
                    f"{label} is for the quarter starting {quarter}-01, which is after "
                    f"the day of the refresh ({today.isoformat()})."
                )
            else:
                twins = [p.name for p, q in zip(files, quarters) if q == quarter and p.name != path.name]
                if twins:
                    reason = (
                        f"{label} was rejected because {source}/{twins[0]} also exists "
                        f"for the same quarter, and only one file per quarter can be loaded."
                    )
            found.append((source, path, quarter, reason))
    return found


def loadable_quarters(landing: Path, today: dt.date) -> list[str]:
    """The quarters with a file whose name a refresh accepts: the landing partitions."""
    return sorted({quarter for _, _, quarter, reason in name_rejections(landing, today) if reason is None})


def discover(landing: Path, today: dt.date) -> list[LandingFile]:
    """Every non-ignored file in the known source folders, with its rejection if any.

    Unknown folders and sub-folders are not looked into: only the five sources are loaded.
    """
    found = [
        LandingFile(
            source=source,
            path=path,
            file_name=path.name,
            quarter=quarter,
            sha256=sha256_of(path),
            rejected_reason=reason,
        )
        for source, path, quarter, reason in name_rejections(landing, today)
    ]
    return sorted(found, key=lambda f: (f.source, f.quarter or "", f.file_name))
