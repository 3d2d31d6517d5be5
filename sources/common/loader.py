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
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from sources.common.quarantine import (
    QUARANTINE_TABLE,
    ensure_quarantine_table,
    quarantine_row,
    record_quarantined,
    resolve_loaded,
)
from sources.common.raw_tables import BadValue, RawTable, typed_row

log = logging.getLogger(__name__)

STATE_TABLE = "raw._ingest_state"
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
class TableStats:
    table: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    quarantined: int = 0
    pages: int = 0

    @property
    def received(self) -> int:
        return self.inserted + self.updated + self.quarantined


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


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction; on any error it is rolled back and *that* error propagates (a
    failing ROLLBACK, e.g. after "No space left on device", must not hide the cause)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, tables: list[RawTable]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
            source VARCHAR, stream VARCHAR, cursor_value VARCHAR, updated_at TIMESTAMP,
            rows_loaded BIGINT, PRIMARY KEY (source, stream))"""
    )
    ensure_quarantine_table(con)
    for table in tables:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.schema}")
        con.execute(table.create_sql())


def read_cursor(con: duckdb.DuckDBPyConnection, source: str, stream: str) -> str | None:
    row = con.execute(
        f"SELECT cursor_value FROM {STATE_TABLE} WHERE source = ? AND stream = ?",
        [source, stream],
    ).fetchone()
    return row[0] if row else None


def _record_id(table: RawTable, record: dict[str, Any]) -> str | None:
    try:
        value = table.fields_of(record).get(table.primary_key)
    except Exception:  # noqa: BLE001 - the record is already bad; any id will do
        value = record.get("id") or record.get("Id")
    return None if value is None else str(value)


def _write_table(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    records: list[dict[str, Any]],
    stats: TableStats,
    loaded_at: datetime,
    seen: set[str] | None = None,
) -> None:
    """Upsert one table's records; ``seen`` collects every id met (bad records too)."""
    rows: dict[Any, dict[str, Any]] = {}
    quarantine: list[tuple] = []
    for record in records:
        try:
            row = typed_row(table, record)
        except BadValue as exc:
            record_id = _record_id(table, record)
            quarantine.append(quarantine_row(table.system, table.name, record_id, str(exc), record))
            if seen is not None and record_id is not None:
                seen.add(record_id)
            continue
        deleted = bool(table.deleted_flag and row.get(table.deleted_flag))
        row["_raw_json"] = json.dumps(record, default=str)
        row["_loaded_at"] = loaded_at
        row["_deleted"] = deleted
        row["_deleted_at"] = loaded_at if deleted else None
        rows[row[table.primary_key]] = row  # last one wins within a page
    if seen is not None:
        seen.update(str(key) for key in rows)
    if quarantine:
        record_quarantined(con, quarantine, loaded_at)
        stats.quarantined += len(quarantine)
        log.warning(
            "%s: %d record(s) quarantined, e.g. %s",
            table.qualified_name,
            len(quarantine),
            quarantine[0][3],
        )
    if not rows:
        return
    columns = table.column_names + ["_raw_json", "_loaded_at", "_deleted", "_deleted_at"]
    frame = pd.DataFrame(list(rows.values()), columns=columns)
    con.register("_incoming", frame)
    try:
        count_sql = f"SELECT count(*) FROM {table.qualified_name}"
        before = con.execute(count_sql).fetchall()[0][0]
        select = [f'CAST(i."{n}" AS {t}) AS "{n}"' for n, t in table.columns]
        select += [
            "CAST(i._raw_json AS JSON)",
            "CAST(i._loaded_at AS TIMESTAMP)",
            "CAST(i._deleted AS BOOLEAN)",
            _deleted_at_sql(table),  # keep the first deletion time of a deleted record
        ]
        con.execute(
            f"INSERT OR REPLACE INTO {table.qualified_name} "
            f"SELECT {', '.join(select)} FROM _incoming i"
        )
        inserted = con.execute(count_sql).fetchall()[0][0] - before
    finally:
        con.unregister("_incoming")
    resolve_loaded(con, table.system, table.name, [str(k) for k in rows], loaded_at)
    stats.inserted += inserted
    stats.updated += len(rows) - inserted
    stats.deleted += sum(1 for r in rows.values() if r["_deleted"])


def _deleted_at_sql(table: RawTable) -> str:
    if table.deleted_flag is None:
        return "CAST(i._deleted_at AS TIMESTAMP)"
    pk = table.primary_key
    return (
        f"CASE WHEN i._deleted THEN coalesce((SELECT t._deleted_at FROM {table.qualified_name} t "
        f'WHERE t."{pk}" = i."{pk}" AND t._deleted), CAST(i._deleted_at AS TIMESTAMP)) END'
    )


def _mark_vanished(
    con: duckdb.DuckDBPyConnection, table: RawTable, seen: set[str], at: datetime
) -> int:
    """Flag live rows whose id the whole extraction did not list; returns how many."""
    live_sql = f"SELECT count(*) FROM {table.qualified_name} WHERE NOT _deleted"
    if not seen and con.execute(live_sql).fetchall()[0][0]:
        log.warning(
            "%s: the full extraction listed no record at all; not marking every row deleted "
            "(check the account's permissions)",
            table.qualified_name,
        )
        return 0
    con.register("_seen_ids", pd.DataFrame({"id": sorted(seen)}, dtype=object))
    try:
        changed = con.execute(
            f"""UPDATE {table.qualified_name} SET _deleted = true, _deleted_at = ?
                WHERE NOT _deleted
                  AND CAST("{table.primary_key}" AS VARCHAR) NOT IN (SELECT id FROM _seen_ids)""",
            [at],
        ).fetchall()[0][0]
    finally:
        con.unregister("_seen_ids")
    if changed:
        log.info("%s: %d row(s) no longer listed, marked deleted", table.qualified_name, changed)
    return changed


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
        loaded_at = _now()
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
                _write_table(con, self.by_name[name], records, stats, loaded_at, seen)
            self._save_cursor(cursor_after, loaded_at, sum(len(r) for r in merged.values()))
        self.result.cursor_after = cursor_after
        self.pending.clear()
        self.pending_records = 0
        if self.on_progress:
            for name in merged:
                self.on_progress(self.stream.name, self.result.tables[name])

    def _save_cursor(self, cursor: str | None, at: datetime, rows: int) -> None:
        self.con.execute(
            f"""INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (source, stream) DO UPDATE SET cursor_value = excluded.cursor_value,
              updated_at = excluded.updated_at,
              rows_loaded = {STATE_TABLE}.rows_loaded + excluded.rows_loaded""",
            [self.stream.source, self.stream.name, cursor, at, rows],
        )

    def finish(self) -> StreamResult:
        """Flush what is left and, after a whole extraction, flag what vanished."""
        self.flush()
        if self.seen is not None:
            at = _now()
            with transaction(self.con):
                for name, ids in self.seen.items():
                    vanished = _mark_vanished(self.con, self.by_name[name], ids, at)
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
