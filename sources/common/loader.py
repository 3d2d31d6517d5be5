"""The one raw loader every connector uses.

A connector describes its *streams*: each stream covers one or more raw tables, has one
cursor, and yields ``Batch``es (a page of API records per table plus the cursor value the
page reaches).  ``ingest`` writes each batch and its cursor in one DuckDB transaction, so a
crash never skips or duplicates: rows are upserted by primary key and the cursor only moves
with the rows it covers.  Records that fail their table's types or validators go to
``raw._quarantine`` with the reason and the original payload; the rest of the page loads.

``ingest_all`` runs several streams at once: each stream is fetched on its own thread and
its batches queue up for the one writer (the calling thread, the one DuckDB connection),
so fetching is concurrent while every write and cursor commit stays serial.

A stream marked ``reconcile`` lists every live record when it starts from no cursor (a
``--full`` run, or a stream that is always read whole): once it has run to the end, the
rows it did not list are marked ``_deleted`` (never removed); a record that reappears is
undeleted by its upsert.

The parts: ``raw_writes`` (one page into its raw table, quarantine, vanished rows, the
transaction), ``ingest_state`` (the raw schema and the cursor table).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from sources.common.ingest_state import STATE_TABLE, ensure_raw_schema, read_cursor, save_cursor
from sources.common.quarantine import QUARANTINE_TABLE
from sources.common.raw_tables import RawTable
from sources.common.raw_writes import TableStats, load_time, mark_vanished, transaction, write_table

log = logging.getLogger(__name__)

COMMIT_EVERY_RECORDS = 5000

__all__ = [
    "QUARANTINE_TABLE",
    "STATE_TABLE",
    "Batch",
    "Stream",
    "StreamResult",
    "TableStats",
    "ensure_raw_schema",
    "ingest",
    "ingest_all",
    "read_cursor",
]


@dataclass
class Batch:
    records: dict[str, list[dict[str, Any]]]  # raw table name -> API records
    cursor: str | None = None  # the cursor value this batch reaches (committed with it)
    notes: tuple[str, ...] = ()  # warnings for the run's metadata (e.g. a field the org lacks)


@dataclass(frozen=True)
class Stream:
    """One extraction with one cursor, e.g. Jira issues (+ their changelogs)."""

    source: str
    name: str
    tables: list[RawTable]
    fetch: Callable[[str | None], Iterator[Batch]]  # since-cursor -> batches
    incremental: bool = True
    reconcile: bool = False  # a whole extraction lists every live id: flag the rest deleted


@dataclass
class StreamResult:
    stream: str
    cursor_before: str | None
    cursor_after: str | None
    tables: dict[str, TableStats] = field(default_factory=dict)
    seconds: float = 0.0
    source: str = ""
    read_whole: bool = False  # a stream without a cursor: every run lists every record
    notes: list[str] = field(default_factory=list)  # the batches' warnings, in order


ProgressCallback = Callable[[str, TableStats], None]


class _StreamWriter:
    """The writer-side state of one stream: pending batches, counts, ids seen."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        stream: Stream,
        full: bool,
        on_progress: ProgressCallback | None,
        commit_every: int,
    ) -> None:
        self.con = con
        self.stream = stream
        self.on_progress = on_progress
        self.commit_every = commit_every
        self.by_name = {t.name: t for t in stream.tables}
        ensure_raw_schema(con, stream.tables)
        before = read_cursor(con, stream.source, stream.name)
        self.full = full or not stream.incremental
        self.since = None if self.full else before
        self.result = StreamResult(stream.name, before, before, source=stream.source)
        self.result.read_whole = not stream.incremental
        self.result.tables = {t.name: TableStats(t.qualified_name) for t in stream.tables}
        reconcile = stream.reconcile and self.since is None
        self.seen: dict[str, set[str]] | None = (
            {t.name: set() for t in stream.tables} if reconcile else None
        )
        self.pending: list[Batch] = []
        self.pending_records = 0
        self.started = time.monotonic()

    def add(self, batch: Batch) -> None:
        self.result.notes.extend(batch.notes)
        self.pending.append(batch)
        self.pending_records += sum(len(r) for r in batch.records.values())
        if self.pending_records >= self.commit_every:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        loaded_at = load_time()
        merged: dict[str, list[dict[str, Any]]] = {}
        for batch in self.pending:
            for name, records in batch.records.items():
                merged.setdefault(name, []).extend(records)
                self.result.tables[name].pages += 1
        cursor = next((b.cursor for b in reversed(self.pending) if b.cursor is not None), None)
        cursor_after = self.result.cursor_after
        if self.stream.incremental and cursor is not None:
            cursor_after = cursor if self.full else max(cursor, cursor_after or "")
        con = self.con
        with transaction(con):
            for name, records in merged.items():
                seen = None if self.seen is None else self.seen[name]
                stats = self.result.tables[name]
                write_table(con, self.by_name[name], records, stats, loaded_at, seen)
            rows = sum(len(r) for r in merged.values())
            save_cursor(con, self.stream.source, self.stream.name, cursor_after, loaded_at, rows)
        self.result.cursor_after = cursor_after
        self.pending.clear()
        self.pending_records = 0
        if self.on_progress:
            for name in merged:
                self.on_progress(self.stream.name, self.result.tables[name])

    def finish(self) -> StreamResult:
        """Flush what is left and, after a whole extraction, flag what vanished."""
        self.flush()
        if self.seen is not None:
            at = load_time()
            with transaction(self.con):
                for name, ids in self.seen.items():
                    vanished = mark_vanished(self.con, self.by_name[name], ids, at)
                    self.result.tables[name].deleted += vanished
        self.result.seconds = time.monotonic() - self.started
        return self.result


def ingest(
    con: duckdb.DuckDBPyConnection,
    stream: Stream,
    full: bool = False,
    on_progress: ProgressCallback | None = None,
    commit_every: int = COMMIT_EVERY_RECORDS,
) -> StreamResult:
    """Run one stream into the warehouse.  Pages are written in transactions of about
    ``commit_every`` records, each committing the cursor its last page reached together
    with the rows it covers."""
    writer = _StreamWriter(con, stream, full, on_progress, commit_every)
    batches = stream.fetch(writer.since)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return writer.finish()
        except BaseException:
            writer.flush()  # the pages fetched before the failure are good: keep them
            raise
        writer.add(batch)


_DONE = object()


def ingest_all(
    con: duckdb.DuckDBPyConnection,
    streams: list[Stream],
    full: bool = False,
    on_progress: ProgressCallback | None = None,
    workers: int = 1,
    commit_every: int = COMMIT_EVERY_RECORDS,
) -> list[StreamResult]:
    """Run several streams, fetching up to ``workers`` of them at once; every write happens
    here, on ``con``.  A stream that fails keeps what it committed; the others finish, then
    the first failure is raised."""
    if workers <= 1 or len(streams) <= 1:
        return [ingest(con, s, full, on_progress, commit_every) for s in streams]
    writers = [_StreamWriter(con, s, full, on_progress, commit_every) for s in streams]
    inbox: queue.Queue = queue.Queue(maxsize=workers * 4)
    stop = threading.Event()
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(writers)):
        todo.put(index)

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                inbox.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def fetch_loop() -> None:
        while not stop.is_set():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            writer = writers[index]
            try:
                for batch in writer.stream.fetch(writer.since):
                    if not put((index, batch)):
                        return
                put((index, _DONE))
            except BaseException as exc:  # noqa: BLE001 - handed to the writer thread
                put((index, exc))

    threads = [
        threading.Thread(target=fetch_loop, name=f"fetch-{n}", daemon=True)
        for n in range(min(workers, len(writers)))
    ]
    for thread in threads:
        thread.start()
    results: dict[int, StreamResult] = {}
    errors: list[BaseException] = []
    try:
        while len(results) < len(writers):
            index, item = inbox.get()
            writer = writers[index]
            if item is _DONE:
                results[index] = writer.finish()
            elif isinstance(item, BaseException):
                writer.flush()
                errors.append(item)
                results[index] = writer.result
            else:
                writer.add(item)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(writers))]
