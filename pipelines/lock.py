"""One writer at a time: a refresh holds an exclusive lock beside the warehouse file."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(lock_path: Path, wait_seconds: float = 0.0):
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
                    raise WarehouseBusy(f"Another refresh is writing {lock_path.with_suffix('').name}; "
                                        "try again when it has finished.") from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process dies
