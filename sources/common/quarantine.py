"""``raw._quarantine``: records that failed their table's types or rules, with the reason and
the original payload.  One row per (source, object, record id, reason): loading the same bad
record again only moves ``last_seen_at``; a record that later loads fine gets
``resolved_at``.  (A record without an id is told apart by its payload.)"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

QUARANTINE_TABLE = "raw._quarantine"

_COLUMNS = [
    ("source", "VARCHAR"),
    ("object", "VARCHAR"),
    ("record_id", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("payload", "JSON"),
    ("quarantined_at", "TIMESTAMP"),  # first seen
    ("last_seen_at", "TIMESTAMP"),
    ("resolved_at", "TIMESTAMP"),  # set when the record later loaded fine
]

_SAME = (
    "q.source = i.source AND q.object = i.object AND q.reason = i.reason AND "
    "q.record_id IS NOT DISTINCT FROM i.record_id AND "
    "(q.record_id IS NOT NULL OR CAST(q.payload AS VARCHAR) = i.payload)"
)


def ensure_quarantine_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create it, or add the columns a warehouse made before them lacks."""
    cols = ", ".join(f"{n} {t}" for n, t in _COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} ({cols})")
    for name, ctype in _COLUMNS[-2:]:
        con.execute(f"ALTER TABLE {QUARANTINE_TABLE} ADD COLUMN IF NOT EXISTS {name} {ctype}")


def quarantine_row(
    source: str, obj: str, record_id: str | None, reason: str, record: dict[str, Any]
) -> tuple[str, str, str | None, str, str]:
    return (source, obj, record_id, reason, json.dumps(record, default=str))


def record_quarantined(
    con: duckdb.DuckDBPyConnection, rows: list[tuple], seen_at: datetime
) -> None:
    """Upsert quarantine rows ``(source, object, record_id, reason, payload)``."""
    import pandas as pd  # here, not at import: the Dagster definitions load without it

    frame = pd.DataFrame(
        list({(r[0], r[1], r[2], r[3], r[4]): r for r in rows}.values()),
        columns=["source", "object", "record_id", "reason", "payload"],
    )
    frame["record_id"] = frame["record_id"].astype(object)
    con.register("_quarantine_in", frame)
    try:
        con.execute(
            f"""UPDATE {QUARANTINE_TABLE} q SET last_seen_at = ?, resolved_at = NULL,
                   payload = CAST(i.payload AS JSON)
                FROM _quarantine_in i WHERE {_SAME}""",
            [seen_at],
        )
        con.execute(
            f"""INSERT INTO {QUARANTINE_TABLE} BY NAME
                SELECT i.source, i.object, i.record_id, i.reason,
                       CAST(i.payload AS JSON) AS payload, CAST(? AS TIMESTAMP) AS quarantined_at,
                       CAST(? AS TIMESTAMP) AS last_seen_at
                FROM _quarantine_in i
                WHERE NOT EXISTS (SELECT 1 FROM {QUARANTINE_TABLE} q WHERE {_SAME})""",
            [seen_at, seen_at],
        )
    finally:
        con.unregister("_quarantine_in")


def resolve_loaded(
    con: duckdb.DuckDBPyConnection, source: str, obj: str, ids: list[str], at: datetime
) -> None:
    """Mark open quarantine rows of records that have now loaded fine as resolved."""
    if not ids:
        return
    open_rows = con.execute(
        f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE source = ? AND object = ? "
        "AND resolved_at IS NULL AND record_id IS NOT NULL",
        [source, obj],
    ).fetchall()[0][0]
    if not open_rows:
        return
    import pandas as pd  # here, not at import: the Dagster definitions load without it

    con.register("_loaded_ids", pd.DataFrame({"record_id": ids}))
    try:
        con.execute(
            f"""UPDATE {QUARANTINE_TABLE} SET resolved_at = ?
                WHERE source = ? AND object = ? AND resolved_at IS NULL
                  AND record_id IN (SELECT record_id FROM _loaded_ids)""",
            [at, source, obj],
        )
    finally:
        con.unregister("_loaded_ids")
