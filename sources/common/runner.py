"""Run a source's streams into the warehouse: what the Dagster ingest assets, the tests and
the ingest benchmark share.  ``python -m orchestration.ingest_only [--full]`` runs it for
every configured source (no gate, no dbt)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from sources.common import settings
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


def ingest_sources(
    db_path: Path,
    environ: Mapping[str, str],
    full: bool = False,
    sources: list[Source] | None = None,
) -> dict[str, list[StreamResult]]:
    """Ingest every source (or ``sources``), configured from ``environ``, into ``db_path``."""
    from sources.registry import all_sources

    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        return {
            s.name: run_source(con, s, s.from_env(environ), full) for s in sources or all_sources()
        }
    finally:
        con.close()
