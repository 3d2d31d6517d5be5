"""Run a source's streams into the warehouse: what the Dagster ingest assets, the tests and
the ingest benchmark share.  ``python -m sources.common.runner [--full]`` ingests every
configured source into ``$PSOPS_WAREHOUSE_DIR/psops.duckdb`` (no gate, no dbt)."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sources.common import settings
from sources.common.loader import StreamResult, TableStats, ingest_all
from sources.common.source import Source

log = logging.getLogger(__name__)
progress_log = logging.getLogger("psops.progress")

WORKERS_VARIABLE = settings.MAX_WORKERS.variable
COMMIT_VARIABLE = settings.COMMIT_EVERY.variable


def max_workers() -> int:
    """``PSOPS_MAX_WORKERS`` (default 4): streams of one source fetched at once."""
    return settings.max_workers()


def commit_every() -> int:
    """``PSOPS_COMMIT_EVERY`` (default 5000): records per transaction of one stream."""
    return settings.commit_every()


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
    full: bool = False,
    on_progress: Callable[[str, TableStats], None] | None = None,
    workers: int | None = None,
) -> list[StreamResult]:
    """Every stream of ``source`` (configured from the environment), fetched concurrently."""
    config = source.from_env()
    streams = source.streams(config)
    return ingest_all(
        con,
        streams,
        full=full,
        on_progress=on_progress or progress_reporter(source.name),
        workers=workers or max_workers(),
        commit_every=commit_every(),
    )


def ingest_sources(
    db_path: Path, full: bool = False, sources: list[Source] | None = None
) -> dict[str, list[StreamResult]]:
    """Ingest every source (or ``sources``) into ``db_path``."""
    from sources.registry import all_sources

    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        return {s.name: run_source(con, s, full) for s in sources or all_sources()}
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    from sources.common.config import load_env, warehouse_paths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    load_env()
    ingest_sources(warehouse_paths().pipeline_db, full=args.full)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
