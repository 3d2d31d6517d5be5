"""The raw schema and the loader's cursor table (``raw._ingest_state``): one row per source
and stream, holding the cursor its last committed page reached and the rows loaded so far."""

from __future__ import annotations

from datetime import datetime

import duckdb

from sources.common.quarantine import ensure_quarantine_table
from sources.common.raw_tables import RawTable

STATE_TABLE = "raw._ingest_state"


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


def save_cursor(
    con: duckdb.DuckDBPyConnection,
    source: str,
    stream: str,
    cursor: str | None,
    at: datetime,
    rows: int,
) -> None:
    """Record the cursor ``stream`` reached and add ``rows`` to its count (in the caller's
    transaction, with the rows the cursor covers)."""
    con.execute(
        f"""INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream) DO UPDATE SET cursor_value = excluded.cursor_value,
          updated_at = excluded.updated_at,
          rows_loaded = {STATE_TABLE}.rows_loaded + excluded.rows_loaded""",
        [source, stream, cursor, at, rows],
    )
