"""The one raw loader every connector uses.

A connector describes its *streams*: each stream covers one or more raw tables, has one
cursor, and yields ``Batch``es (a page of API records per table plus the cursor value the
page reaches).  ``ingest`` writes each batch and its cursor in one DuckDB transaction, so a
crash never skips or duplicates: rows are upserted by primary key and the cursor only moves
with the rows it covers.  Records that fail their table's types or validators go to
``raw._quarantine`` with the reason and the original payload; the rest of the page loads.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from sources.common.raw_tables import BadValue, RawTable, typed_row

log = logging.getLogger(__name__)

STATE_TABLE = "raw._ingest_state"
QUARANTINE_TABLE = "raw._quarantine"


@dataclass
class Batch:
    records: dict[str, list[dict[str, Any]]]  # raw table name -> API records
    cursor: str | None = None  # the cursor value this batch reaches (committed with it)


@dataclass(frozen=True)
class Stream:
    """One extraction with one cursor, e.g. Jira issues (+ their changelogs)."""

    source: str
    name: str
    tables: list[RawTable]
    fetch: Callable[[str | None], Iterator[Batch]]  # since-cursor -> batches
    incremental: bool = True


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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, tables: list[RawTable]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
            source VARCHAR, stream VARCHAR, cursor_value VARCHAR, updated_at TIMESTAMP,
            rows_loaded BIGINT, PRIMARY KEY (source, stream))"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
            source VARCHAR, object VARCHAR, record_id VARCHAR, reason VARCHAR,
            payload JSON, quarantined_at TIMESTAMP)"""
    )
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
) -> None:
    rows: dict[Any, dict[str, Any]] = {}
    quarantine: list[tuple] = []
    for record in records:
        try:
            row = typed_row(table, record)
        except BadValue as exc:
            quarantine.append(
                (
                    table.system,
                    table.name,
                    _record_id(table, record),
                    str(exc),
                    json.dumps(record, default=str),
                    loaded_at,
                )
            )
            continue
        deleted = bool(table.deleted_flag and row.get(table.deleted_flag))
        row["_raw_json"] = json.dumps(record, default=str)
        row["_loaded_at"] = loaded_at
        row["_deleted"] = deleted
        row["_deleted_at"] = loaded_at if deleted else None
        rows[row[table.primary_key]] = row  # last one wins within a page
    if quarantine:
        con.executemany(f"INSERT INTO {QUARANTINE_TABLE} VALUES (?, ?, ?, ?, ?, ?)", quarantine)
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


COMMIT_EVERY_RECORDS = 5000


def ingest(
    con: duckdb.DuckDBPyConnection,
    stream: Stream,
    full: bool = False,
    on_progress: Callable[[str, TableStats], None] | None = None,
    commit_every: int = COMMIT_EVERY_RECORDS,
) -> StreamResult:
    """Run one stream into the warehouse.  Pages are written in transactions of about
    ``commit_every`` records, each committing the cursor its last page reached together
    with the rows it covers."""
    ensure_raw_schema(con, stream.tables)
    by_name = {t.name: t for t in stream.tables}
    before = read_cursor(con, stream.source, stream.name)
    since = None if (full or not stream.incremental) else before
    result = StreamResult(stream.name, before, before)
    result.tables = {t.name: TableStats(t.qualified_name) for t in stream.tables}
    started = time.monotonic()
    pending: list[Batch] = []

    def flush() -> None:
        if not pending:
            return
        loaded_at = _now()
        merged: dict[str, list[dict[str, Any]]] = {}
        for batch in pending:
            for name, records in batch.records.items():
                merged.setdefault(name, []).extend(records)
                result.tables[name].pages += 1
        cursor = next((b.cursor for b in reversed(pending) if b.cursor is not None), None)
        con.execute("BEGIN TRANSACTION")
        try:
            for name, records in merged.items():
                _write_table(con, by_name[name], records, result.tables[name], loaded_at)
            if stream.incremental and cursor is not None:
                result.cursor_after = cursor if full else max(cursor, result.cursor_after or "")
            con.execute(
                f"""INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (source, stream) DO UPDATE SET cursor_value = excluded.cursor_value,
                  updated_at = excluded.updated_at,
                  rows_loaded = {STATE_TABLE}.rows_loaded + excluded.rows_loaded""",
                [
                    stream.source,
                    stream.name,
                    result.cursor_after,
                    loaded_at,
                    sum(len(r) for r in merged.values()),
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        pending.clear()
        if on_progress:
            for name in merged:
                on_progress(stream.name, result.tables[name])

    for batch in stream.fetch(since):
        pending.append(batch)
        if sum(len(r) for b in pending for r in b.records.values()) >= commit_every:
            flush()
    flush()
    result.seconds = time.monotonic() - started
    return result
