"""One warehouse writer at a time, whoever writes: ``psops refresh`` / ``demo``, a run the
Dagster UI, a schedule or ``dagster job execute`` launched, and the dbt child of either.

The lock is an exclusive ``flock`` on ``<warehouse>/.refresh.lock``:

- held by the *process* that runs the refresh (the CLI, or Dagster's run worker: the
  ``warehouse`` resource takes it for the whole run, see ``orchestration.defs.resources``), and
  re-entrant inside that process (the CLI takes it to say "waiting…", the run's resource
  re-enters it);
- released by the kernel when that process dies, however it dies (SIGKILL included); the
  file descriptor is not inherited by children, and the dbt child is killed with its parent
  (``orchestration.dbt_child``), so no orphan keeps writing;
- the file names its holder (``pid 4242 psops refresh``): a waiter says whom it waits for,
  and a process that finds the name of a dead holder says it takes the lock over.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)

LOCK_NAME = ".refresh.lock"

# lock file (resolved) → (open handle, depth): this process's holds, for re-entry
_held: dict[Path, tuple[TextIO, int]] = {}


class WarehouseBusy(Exception):
    def __init__(self, holder: str) -> None:
        self.holder = holder
        super().__init__(f"another refresh ({holder}) is writing this warehouse")


def _read_holder(handle: TextIO) -> str:
    handle.seek(0)
    return handle.read().strip()


def _describe(holder: str) -> str:
    return f"pid {holder}" if holder else "unknown process"


def _alive(holder: str) -> bool:
    try:
        os.kill(int(holder.split()[0]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # somebody else's live process
        return True
    return True


def lock_path(root: Path) -> Path:
    return (root / LOCK_NAME).resolve()


def holds_lock(root: Path) -> bool:
    """True when this process holds the writer lock of the warehouse at ``root``."""
    return lock_path(root) in _held


@contextmanager
def warehouse_writer_lock(
    root: Path,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    purpose: str = "psops refresh",
    on_takeover: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's writer lock for the duration of the block (re-entrant in one
    process).  Another holder: wait for it (``on_wait(holder)`` first), or with
    ``wait=False`` raise ``WarehouseBusy``.  A holder recorded by a process that is gone
    (killed) is taken over, ``on_takeover(holder)`` saying so."""
    root.mkdir(parents=True, exist_ok=True)
    path = lock_path(root)
    if path in _held:
        handle, depth = _held[path]
        _held[path] = (handle, depth + 1)
        try:
            yield
        finally:
            handle, depth = _held[path]
            _held[path] = (handle, depth - 1)
        return
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read_holder(handle))
            if not wait:
                raise WarehouseBusy(holder) from None
            if on_wait:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        previous = _read_holder(handle)
        if previous and not _alive(previous):
            gone = f"took over the writer lock of {_describe(previous)}, no longer running"
            (on_takeover or log.warning)(gone)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {purpose}")
        handle.flush()
        _held[path] = (handle, 1)
        try:
            yield
        finally:
            del _held[path]
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
