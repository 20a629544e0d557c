"""One writer at a time: a refresh holds an exclusive lock beside the warehouse file.

`vawg refresh` takes the lock around the whole in-process run; a run launched by Dagster
(the UI or the schedule) takes it when its `warehouse` resource starts. flock belongs to an
open file description, so a second `flock` in the same process on a new descriptor would
refuse: `held_here` lets the resource see that `vawg refresh` already holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

_held: set[Path] = set()  # lock files this process holds


class WarehouseBusy(RuntimeError):
    pass


def held_here(lock_path: Path) -> bool:
    return Path(lock_path).absolute() in _held


@contextmanager
def writer_lock(lock_path: Path, wait_seconds: float = 0.0):
    lock_path = Path(lock_path).absolute()
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"Another refresh is writing {lock_path.with_suffix('').name}; try again when it has finished."
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _held.add(lock_path)
        try:
            yield
        finally:
            _held.discard(lock_path)
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process dies


def refresh_running(lock_path: Path) -> bool:
    """Whether some refresh holds the writer lock now; never waits and never creates the file.

    The probe takes a shared lock for a few microseconds: a refresh starting in exactly that
    instant would refuse as if another were running (and say so), which is the price of asking.
    """
    lock_path = Path(lock_path).absolute()
    if lock_path in _held:
        return True
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
