"""Progress messages from inside the asset graph to whoever runs it (the CLI's status line).

Dagster steps run in this process for `vawg refresh`; under `dagster dev` nobody listens and
the messages only go to the step's log.
"""

from __future__ import annotations

from typing import Callable

_listener: Callable[[str], None] | None = None


def listen(callback: Callable[[str], None] | None) -> None:
    global _listener
    _listener = callback


def report(message: str, log=None) -> None:
    if log is not None:
        log.info(message)
    if _listener is not None:
        _listener(message)
