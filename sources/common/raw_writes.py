"""How one page of records lands in its raw table, and how a whole extraction flags what
vanished.

``write_table`` types each record (``raw_tables.typed_row``), quarantines the ones that fail
(``sources.common.quarantine``) and upserts the rest by primary key, keeping the first
deletion time of a deleted record; ``mark_vanished`` flags live rows a whole extraction did
not list as ``_deleted`` (never removed).  The caller (``sources.common.loader``) wraps them in
``transaction`` together with the cursor they reach.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from sources.common.quarantine import quarantine_row, record_quarantined, resolve_loaded
from sources.common.raw_tables import BadValue, RawTable, typed_row

log = logging.getLogger(__name__)


@dataclass
class TableStats:
    """What one stream's run did to one raw table (counts of records)."""

    table: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    quarantined: int = 0
    pages: int = 0

    @property
    def received(self) -> int:
        return self.inserted + self.updated + self.quarantined


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


def load_time() -> datetime:
    """The load time: UTC, naive (as the raw tables store it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _record_id(table: RawTable, record: dict[str, Any]) -> str | None:
    try:
        value = table.fields_of(record).get(table.primary_key)
    except Exception:  # noqa: BLE001 - the record is already bad; any id will do
        value = record.get("id") or record.get("Id")
    return None if value is None else str(value)


def write_table(
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
    import pandas as pd  # here, not at import: the Dagster definitions load without it

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


def mark_vanished(
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
    import pandas as pd

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
