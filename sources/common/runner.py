"""Run sources' streams into the warehouse, the sources at the same time (``load_sources``):
what the Dagster ingest asset, the tests and the ingest benchmark share.
``python -m orchestration.ingest_only [--full]`` runs it for every configured source (no
gate, no dbt)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sources.common import settings
from sources.common.ingest_state import ensure_raw_schema
from sources.common.loader import StreamResult, TableStats, ingest_all
from sources.common.source import Source

log = logging.getLogger(__name__)
progress_log = logging.getLogger("psops.progress")

WORKERS_VARIABLE = settings.MAX_WORKERS.variable
COMMIT_VARIABLE = settings.COMMIT_EVERY.variable


def progress_line(source: str, stats: TableStats, started: float) -> str:
    """``kantata time_entries: 12 pages, 2,400 records, 3,100 records/s``."""
    elapsed = max(time.monotonic() - started, 1e-6)
    name = stats.table.split(".", 1)[-1]
    return (
        f"{source} {name}: {stats.pages:,} pages, {stats.received:,} records, "
        f"{stats.received / elapsed:,.0f} records/s"
    )


def progress_reporter(
    source: str, also: Callable[[str], None] | None = None
) -> Callable[[str, TableStats], None]:
    """An ``on_progress`` that logs a concise line to ``psops.progress`` (the terminal of
    ``psops refresh``) and hands it to ``also`` (e.g. the Dagster run log)."""
    started = time.monotonic()

    def on_progress(stream: str, stats: TableStats) -> None:
        line = progress_line(source, stats, started)
        progress_log.info(line)
        if also is not None:
            also(line)

    return on_progress


def run_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    config: Any,
    full: bool = False,
    on_progress: Callable[[str, TableStats], None] | None = None,
    workers: int | None = None,
) -> list[StreamResult]:
    """Every stream of ``source`` (configured by ``config``, its ``from_env``), fetched
    concurrently: ``PSOPS_MAX_WORKERS`` streams at once, ``PSOPS_COMMIT_EVERY`` records per
    transaction (``config.run``)."""
    run: settings.RunSettings = config.run
    streams = source.streams(config)
    return ingest_all(
        con,
        streams,
        full=full,
        on_progress=on_progress or progress_reporter(source.name),
        workers=workers or run.max_workers,
        commit_every=run.commit_every,
    )


@dataclass
class SourceLoad:
    """What one source's load did: its streams' results and each table's live rows after
    it, or the error it stopped with (what it committed before stays)."""

    source: Source
    results: list[StreamResult] = field(default_factory=list)
    live_rows: dict[str, int] = field(default_factory=dict)
    error: BaseException | None = None


class SourcesFailed(Exception):
    """More than one source failed in one load (a single failure raises its own error)."""


def load_sources(
    con: duckdb.DuckDBPyConnection,
    sources: list[Source],
    environ: Mapping[str, str],
    full: bool = False,
    also_log: Callable[[str], None] | None = None,
) -> list[SourceLoad]:
    """Every source of ``sources`` (configured from ``environ``) at the same time, each on a
    connection of its own to ``con``'s database: a source writes only its own tables and
    rows (DuckDB lets separate transactions append and update separate rows), the catalog
    is written here first.  A source that fails does not stop the others.  Progress lines
    go to ``psops.progress`` and ``also_log``."""
    for source in sources:
        ensure_raw_schema(con, source.tables)
    with ThreadPoolExecutor(max(len(sources), 1), thread_name_prefix="load") as pool:
        futures = [pool.submit(_load, con, s, environ, full, also_log) for s in sources]
    loads = []
    for source, future in zip(sources, futures, strict=True):
        error = future.exception()
        loads.append(future.result() if error is None else SourceLoad(source, error=error))
    return loads


def _load(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    environ: Mapping[str, str],
    full: bool,
    also_log: Callable[[str], None] | None,
) -> SourceLoad:
    config = source.from_env(environ)
    source.check(config)
    with con.cursor() as own:
        on_progress = progress_reporter(source.name, also_log)
        results = run_source(own, source, config, full, on_progress)
        live = {
            t.name: own.execute(
                f"SELECT count(*) FROM {t.qualified_name} WHERE NOT _deleted"
            ).fetchone()[0]
            for t in source.tables
        }
    return SourceLoad(source, results, live)


def raise_failures(loads: list[SourceLoad]) -> None:
    """Raise the error of the one source that failed, or ``SourcesFailed`` naming each."""
    failed = [load for load in loads if load.error is not None]
    if len(failed) == 1:
        raise failed[0].error
    if failed:
        said = "; ".join(
            f"{load.source.name}: {type(load.error).__name__}: {load.error}" for load in failed
        )
        raise SourcesFailed(f"{len(failed)} sources failed: {said}")


def ingest_sources(
    db_path: Path,
    environ: Mapping[str, str],
    full: bool = False,
    sources: list[Source] | None = None,
) -> dict[str, list[StreamResult]]:
    """Ingest every source (or ``sources``), configured from ``environ``, into ``db_path``,
    all at once (``load_sources``); the first failure is raised after the others finish."""
    from sources.registry import all_sources

    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        loads = load_sources(con, sources or all_sources(), environ, full)
    finally:
        con.close()
    raise_failures(loads)
    return {load.source.name: load.results for load in loads}
