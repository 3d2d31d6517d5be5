"""What the end-to-end ingest tests share: sandbox servers (with faults), the connector
environment, an in-process ingest of every source, and comparable snapshots of raw."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from sources.sandbox.faults import FaultConfig
from sources.sandbox.server_base import RunningServer

CONNECTOR_PREFIXES = ("JIRA_", "SFDC_", "KANTATA_", "PSOPS_")
FAST_RETRIES = {"PSOPS_RETRY_BACKOFF": "0.01"}  # tests need not wait half a second


@contextmanager
def serving(db_path: Path, faults: FaultConfig | None = None) -> Iterator[list[RunningServer]]:
    from sources.sandbox.serve import start_all, stop_all

    servers = start_all(db_path, faults=faults)
    try:
        yield servers
    finally:
        stop_all(servers)


def connector_env(servers: list[RunningServer], **extra: str) -> dict[str, str]:
    """The process environment pointing every connector at ``servers``."""
    from sources.sandbox.serve import environment

    env = {k: v for k, v in os.environ.items() if not k.startswith(CONNECTOR_PREFIXES)}
    env.update(environment(servers), **FAST_RETRIES)
    env.update(extra)
    return env


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key in list(os.environ):
        if key.startswith(CONNECTOR_PREFIXES):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith(CONNECTOR_PREFIXES):
            monkeypatch.setenv(key, value)


def ingest_everything(db: Path, full: bool = False) -> None:
    """Every source's streams, in-process, into ``db`` (what the ingest assets do)."""
    from sources.common.runner import ingest_sources

    ingest_sources(db, os.environ, full=full)


def clean_ingest_of(sandbox: Path, folder: Path) -> Path:
    """A fault-free ingest of every source from servers over ``sandbox`` into
    ``folder/psops.duckdb`` (the reference a faulty run must equal)."""
    db = folder / "psops.duckdb"
    mp = pytest.MonkeyPatch()
    with serving(sandbox) as servers:
        use_env(mp, connector_env(servers))
        try:
            ingest_everything(db)
        finally:
            mp.undo()
    return db


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        t
        for (t,) in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name LIKE 'raw\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
    ]


_PORT = re.compile(r"localhost:\d+")


def _portless(row: tuple) -> tuple:
    """Links in ``_raw_json`` name the server's port, which changes with every start."""
    return tuple(_PORT.sub("localhost", v) if isinstance(v, str) else v for v in row)


def snapshot(db: Path, where: str = "true") -> dict[str, list]:
    """Every raw table row for row, without load timestamps (``_loaded_at``,
    ``_deleted_at``) and server ports, plus the quarantine's (source, object, id, reason)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {
            t: [
                _portless(row)
                for row in con.execute(
                    f"SELECT * EXCLUDE (_loaded_at, _deleted_at) FROM {t} WHERE {where} ORDER BY 1"
                ).fetchall()
            ]
            for t in raw_tables(con)
        }
        tables["raw._quarantine"] = con.execute(
            "SELECT source, object, record_id, reason FROM raw._quarantine ORDER BY ALL"
        ).fetchall()
        return tables
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
