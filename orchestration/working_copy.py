"""Readers never break a refresh: a run writes its own copy of ``psops.duckdb`` and swaps it
in when the run ends.

DuckDB lets one process write a file only when no other process has it open, even
read-only; an analyst's notebook on the raw tables, or ``psops status``, would otherwise
deny the refresh its lock.  So a run (holding the writer lock, ``orchestration.writer_lock``):

1. removes the staging files of earlier runs that crashed (``.psops.*``, ``.analytics.*``,
   ``.export.*`` that ``export`` does not point at);
2. copies ``psops.duckdb`` to ``.psops.working.duckdb`` and points every writer of the run at
   it — the ingest and check steps through the ``warehouse`` resource's paths, the dbt child
   through the ``psops_pipeline_db`` dbt var (``dbt_project/profiles.yml``);
3. when the run ends — checks failed or not, so the loaded raw data, the quarantine and the
   check results are kept — checkpoints the copy and renames it over ``psops.duckdb``.
   A reader holding the old file keeps reading the old snapshot; the next reader opens the
   new one.  A run that dies leaves ``psops.duckdb`` as the last run left it (the next run
   resumes from those cursors) and a staging file the next run removes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from sources.common.config import WarehousePaths

# one name for every run (only the lock holder writes it): dbt's profile, which names the
# file, then stays the same from run to run and dbt keeps parsing the project partially
WORKING_NAME = ".psops.working.duckdb"
STAGING_PATTERNS = (".psops.*.duckdb*", ".analytics.*.duckdb*", ".export.*", ".export-link.*")


def _wal(db: Path) -> Path:
    return Path(f"{db}.wal")


def staging_leftovers(root: Path) -> list[Path]:
    """Staging files in the warehouse folder that no finished run owns (``export``'s
    current target excluded)."""
    if not root.is_dir():
        return []
    current = root / "export"
    keep = current.resolve() if current.is_symlink() else None
    found = {p for pattern in STAGING_PATTERNS for p in root.glob(pattern)}
    return sorted(p for p in found if keep is None or p.resolve() != keep)


def remove_leftovers(root: Path) -> list[Path]:
    """Delete what ``staging_leftovers`` lists (call only while holding the writer lock)."""
    leftovers = staging_leftovers(root)
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return leftovers


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(working: Path, target: Path) -> None:
    """Checkpoint ``working`` (no WAL left beside it) and rename it over ``target``."""
    from orchestration.dq import release_dbt_duckdb

    release_dbt_duckdb()  # dagster-dbt's in-process adapter may still hold the copy open
    con = duckdb.connect(str(working))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _fsync(working)
    # a WAL beside the target could only be a pre-copy crash's; its changes are in the copy
    _wal(target).unlink(missing_ok=True)
    os.replace(working, target)
    _fsync(target.parent)


@contextmanager
def working_copy(paths: WarehousePaths) -> Iterator[WarehousePaths]:
    """The run's paths, whose ``pipeline_db`` is a fresh copy of ``psops.duckdb``; the copy
    replaces ``psops.duckdb`` when the block ends normally and is dropped when it raises."""
    paths.root.mkdir(parents=True, exist_ok=True)
    remove_leftovers(paths.root)
    working = paths.root / WORKING_NAME
    if paths.pipeline_db.exists():
        shutil.copyfile(paths.pipeline_db, working)
        if _wal(paths.pipeline_db).exists():
            shutil.copyfile(_wal(paths.pipeline_db), _wal(working))
    try:
        yield WarehousePaths(paths.root, pipeline_file=working)
        if working.exists():
            commit(working, paths.pipeline_db)
    finally:
        working.unlink(missing_ok=True)
        _wal(working).unlink(missing_ok=True)
