"""Small builders shared by the tests."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import duckdb

from sources.sandbox.schema import create_sandbox_tables_sql


def make_sandbox_db(path: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """A sandbox.duckdb with every contract table, holding exactly ``rows``.

    ``rows`` maps a sandbox table name (``kantata_users``, ``jira_issues``,
    ``salesforce_opportunity`` ...) to row dicts; missing columns are NULL.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for statement in create_sandbox_tables_sql():
            con.execute(statement)
        for table, table_rows in rows.items():
            for row in table_rows:
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join("?" for _ in row)
                con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
    finally:
        con.close()
    return path


def free_port() -> int:
    """A loopback port free now (a server about to start takes it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
