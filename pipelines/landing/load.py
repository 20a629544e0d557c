"""Land one file version: validate it once, keep it in the raw store, record the sighting.

A file version already in the store (same sha256) is not validated again: its stored parts
are the result. Rejected files are re-examined at each refresh, which is cheap and lets a
rule about the refresh's day (a quarter in the future) resolve itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

import polars as pl

from pipelines.landing.files import LandingFile
from pipelines.landing.partitioned import PARTITION_BYTES, validate_file
from pipelines.landing.read import FileRejected
from pipelines.settings import load_memory_budget, load_workers
from pipelines.store import RawStore

# Resident memory of one file's reading and validation, per byte of one group of its rows, and
# per byte of the file (its bytes, read whole; twice when converted from Windows-1252), with a
# margin over what was measured (decision 0039): how many workers fit the budget.
MEMORY_PER_GROUP_BYTE = 16
MEMORY_PER_FILE_BYTE = 2


def file_memory(size: int) -> int:
    """Estimated resident memory of validating a landing file of `size` bytes."""
    return MEMORY_PER_FILE_BYTE * size + MEMORY_PER_GROUP_BYTE * min(size, PARTITION_BYTES)


# Below this many bytes of new files, starting worker processes (each imports polars, pandera
# and the schemas: a few seconds) costs more than validating in this process.
PARALLEL_FROM_BYTES = 32 << 20


def land_file(store: RawStore, landing_file: LandingFile, validated: dict | str | None = None) -> dict:
    """Validate and keep one landing file version; return its audit event. `validated`: the
    outcome of `validate_version` for this file, when a worker process already ran it."""
    event = {
        "source": landing_file.source,
        "file_name": landing_file.file_name,
        "quarter": landing_file.quarter,
        "sha256": landing_file.sha256,
    }
    if landing_file.rejected_reason:
        store.record({**event, "status": "rejected", "reason": landing_file.rejected_reason})
        return {**event, "status": "rejected", "reason": landing_file.rejected_reason}
    counts = store.read_summary(landing_file.source, landing_file.sha256)
    if counts is None:
        outcome = validated if validated is not None else validate_version(store, landing_file)
        if isinstance(outcome, str):
            store.record({**event, "status": "rejected", "reason": outcome})
            return {**event, "status": "rejected", "reason": outcome}
        counts = outcome
    store.record({**event, "status": "accepted", "reason": None, **counts})
    return {**event, "status": "accepted", "reason": None, **counts}


def validate_version(store: RawStore, landing_file: LandingFile) -> dict | str:
    """Read and validate a file version and keep its parts in the store: its row counts, or
    the sentence rejecting the whole file. Writes only the version's own immutable files, so
    worker processes may run it side by side; the log of sightings has one writer."""
    with store.work_folder() as work:
        try:
            outcome = validate_file(landing_file.source, landing_file.path, landing_file.quarter, work)
        except FileRejected as rejected:
            return str(rejected)
        store.save_version(
            landing_file.source, landing_file.sha256, outcome.accepted, outcome.quarantine, outcome.warnings
        )
    counts = outcome.counts
    store.save_summary(landing_file.source, landing_file.sha256, counts)
    return counts


def _validate_in_worker(store_root: str, landing_file: LandingFile) -> dict | str:
    return validate_version(RawStore(store_root), landing_file)


def land_files(
    store: RawStore, files: list[LandingFile], on_file: Callable[[LandingFile], None] = lambda f: None
) -> list[dict]:
    """Land `files` (in order) and return their audit events in the same order.

    The file versions not yet in the store are independent until they reach the warehouse:
    they are validated side by side in worker processes (`VAWG_LOAD_WORKERS`, at most as many
    as `VAWG_LOAD_MEMORY_LIMIT` holds, by `file_memory`), each
    writing its version's Parquet parts. This process stays the one writer of the log of
    sightings, in file order, so the audit records are those of a load one file at a time
    (docs/decisions/0035-parallel-landing.md)."""
    new: dict[str, LandingFile] = {}  # one per content: a twin is a sighting of the same version
    for f in files:
        if not f.rejected_reason and f.sha256 not in new and store.read_summary(f.source, f.sha256) is None:
            new[f.sha256] = f
    validated = validate_side_by_side(store, list(new.values()), on_file)
    events = []
    for f in files:
        if f.path not in validated:
            on_file(f)
        events.append(land_file(store, f, validated.get(f.path)))
    return events


def validate_side_by_side(store: RawStore, files: list[LandingFile], on_file: Callable[[LandingFile], None]) -> dict:
    """{path: outcome} of the files validated by worker processes; {} when this process does
    it (a single file, one worker allowed, too few bytes to pay for the workers' start, or
    files too large for two at a time)."""
    sizes = {f.path: f.path.stat().st_size for f in files}
    # Largest first: the long files start early, and two large ones never wait for each other.
    files = sorted(files, key=lambda f: -sizes[f.path])
    workers = min(load_workers(), len(files))
    if (
        workers < 2
        or sum(sizes.values()) < PARALLEL_FROM_BYTES
        or sum(file_memory(sizes[f.path]) for f in files[:2]) > load_memory_budget()
    ):
        return {}
    outcomes: dict = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        running: dict[Future, LandingFile] = {}
        queue = list(files)
        while queue or running:
            # Start the next file when its estimated memory fits beside the running ones.
            while (
                queue
                and len(running) < workers
                and (
                    not running
                    or file_memory(sizes[queue[0].path]) + sum(file_memory(sizes[f.path]) for f in running.values())
                    <= load_memory_budget()
                )
            ):
                f = queue.pop(0)
                running[pool.submit(_validate_in_worker, str(store.root), f)] = f
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                f = running.pop(future)
                outcomes[f.path] = future.result()
                on_file(f)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def current_parts(store: RawStore, source: str) -> pl.DataFrame:
    """The accepted Parquet part of each quarter's current file version: quarter, file_name,
    sha256, path (in quarter order)."""
    versions = store.current_versions(source)
    return versions.with_columns(
        path=pl.col("sha256").map_elements(lambda sha: str(store.part(source, sha, "accepted")), return_dtype=pl.Utf8)
    )


def current_rows(store: RawStore, source: str, columns: list[str] | None = None) -> pl.LazyFrame:
    """Accepted rows of each quarter's current file version, tagged with the file they came
    from: a lazy scan of the store's Parquet parts, so that no process holds every row of a
    source at once (decision 0034). `columns`: read only these (all when None)."""
    frames = []
    for version in current_parts(store, source).iter_rows(named=True):
        frame = store.scan_part(source, version["sha256"], "accepted")
        if columns is not None:
            frame = frame.select(columns)
        tags = {"file_sha256": version["sha256"], "file_name": version["file_name"], "quarter": version["quarter"]}
        # The tags repeat on every row: as categoricals they cost a few bytes a row, not 80.
        frames.append(frame.with_columns(pl.lit(value, pl.Categorical).alias(name) for name, value in tags.items()))
    return pl.concat(frames, how="vertical") if frames else pl.LazyFrame()
