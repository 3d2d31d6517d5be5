"""One warehouse writer at a time for in-process refreshes (`psops refresh`, `psops demo`).

Dagster-launched runs queue behind each other through the instance's tag concurrency limit
(orchestration/dagster.yaml); a refresh started from the command line takes an exclusive
lock on ``<warehouse>/.refresh.lock`` instead, so a second one waits — or, with
``--no-wait``, is skipped — and says so."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".refresh.lock"


class WarehouseBusy(Exception):
    def __init__(self, holder: str) -> None:
        self.holder = holder
        super().__init__(f"another refresh ({holder}) is writing this warehouse")


def _holder(handle) -> str:
    handle.seek(0)
    text = handle.read().strip()
    return f"pid {text}" if text else "unknown process"


@contextmanager
def warehouse_writer_lock(
    root: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the warehouse's writer lock for the duration of the block."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise WarehouseBusy(holder) from None
            if on_wait:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
