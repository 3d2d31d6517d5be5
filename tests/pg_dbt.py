"""Run the dbt project on PostgreSQL against a raw warehouse built in DuckDB, and bring the
built schemas back into a DuckDB file so the same assertions (and tests.mart_checksums)
read both engines' results.

    python -m tests.pg_dbt RAW_DUCKDB DBNAME OUT_DUCKDB [dbt build args...]

uses ``PSOPS_TEST_PG_DSN`` (a superuser DSN, e.g. from ``tests/pg_cluster.py``), creates
the database ``DBNAME`` afresh, loads the raw tables, runs ``dbt build --target postgres``
and copies staging/intermediate/marts/seeds/snapshots into ``OUT_DUCKDB``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from orchestration.postgres import fetch_schema, load_raw
from tests.dbt_helpers import dbt_command

DSN_VARIABLE = "PSOPS_TEST_PG_DSN"
BUILT_SCHEMAS = ("seeds", "staging", "intermediate", "marts", "snapshots")


def database_dsn(server_dsn: str, dbname: str) -> str:
    return make_conninfo(server_dsn, dbname=dbname)


def create_database(server_dsn: str, dbname: str) -> str:
    """Drop and create ``dbname``; return its DSN."""
    with psycopg.connect(server_dsn, autocommit=True) as pg:
        name = sql.Identifier(dbname)
        pg.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        pg.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return database_dsn(server_dsn, dbname)


def pg_env(dsn: str) -> dict[str, str]:
    """The PSOPS_PG_* variables the profile's postgres target reads."""
    parts = conninfo_to_dict(dsn)
    return {
        "PSOPS_DBT_TARGET": "postgres",
        "PSOPS_PG_HOST": str(parts.get("host", "localhost")),
        "PSOPS_PG_PORT": str(parts.get("port", "5432")),
        "PSOPS_PG_USER": str(parts.get("user", "psops")),
        "PSOPS_PG_PASSWORD": str(parts.get("password", "")),
        "PSOPS_PG_DBNAME": str(parts["dbname"]),
    }


def run_dbt_pg(
    args: list[str], dsn: str, as_of: str, work_dir: Path
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on the postgres target, in the database ``dsn`` names."""
    return dbt_command(args, pg_env(dsn), as_of, work_dir)


def load_raw_file(raw_db: Path, dsn: str) -> dict[str, int]:
    con = duckdb.connect(str(raw_db), read_only=True)
    try:
        return load_raw(con, dsn)
    finally:
        con.close()


def fetch_built(dsn: str, out_db: Path, schemas: tuple[str, ...] = BUILT_SCHEMAS) -> None:
    """Copy the dbt-built schemas (tables and views, as tables) into ``out_db``."""
    con = duckdb.connect(str(out_db))
    try:
        for schema in schemas:
            fetch_schema(dsn, con, schema, include_views=True)
    finally:
        con.close()


def run_in_warehouse(
    args: list[str], warehouse_dir: Path, as_of: str, work_dir: Path, server_dsn: str
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on PostgreSQL for the raw tables of ``warehouse_dir/psops.duckdb``:
    one database per ``work_dir`` (kept across calls, like the DuckDB file: incremental
    models see their earlier runs), raw tables reloaded on each call, and the built schemas
    copied back into ``psops.duckdb``."""
    dbname = "t_" + hashlib.sha1(str(work_dir.resolve()).encode()).hexdigest()[:16]
    dsn = ensure_database(server_dsn, dbname)
    db = warehouse_dir / "psops.duckdb"
    load_raw_file(db, dsn)
    result = run_dbt_pg(args, dsn, as_of, work_dir)
    fetch_built(dsn, db)
    return result


def ensure_database(server_dsn: str, dbname: str) -> str:
    with psycopg.connect(server_dsn, autocommit=True) as pg:
        found = pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not found:
            pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return database_dsn(server_dsn, dbname)


def build(
    raw_db: Path, server_dsn: str, dbname: str, out_db: Path, args: list[str], as_of: str
) -> subprocess.CompletedProcess[str]:
    dsn = create_database(server_dsn, dbname)
    load_raw_file(raw_db, dsn)
    work = out_db.parent / f"dbt-{dbname}"
    result = run_dbt_pg(args, dsn, as_of, work)
    out_db.unlink(missing_ok=True)
    fetch_built(dsn, out_db)
    return result


if __name__ == "__main__":
    raw, name, out, *dbt_args = sys.argv[1:]
    done = build(
        Path(raw),
        os.environ[DSN_VARIABLE],
        name,
        Path(out),
        dbt_args or ["build"],
        os.environ.get("PSOPS_AS_OF", "2026-10-15"),
    )
    print(done.stdout[-20000:], done.stderr[-5000:])
    sys.exit(done.returncode)
