"""Publish to PostgreSQL end to end: `psops refresh` (a subprocess) against the sandbox
servers with ``PSOPS_PUBLISH_PG_DSN`` set — the first refresh with dbt on PostgreSQL
(``PSOPS_DBT_TARGET=postgres``), the second on DuckDB (publish works with either target).

- the PostgreSQL ``marts`` schema holds what ``analytics.duckdb`` holds, table by table;
- a reader connected with psycopg, querying all through the second publish, always sees a
  complete set (the publish log's row count for a mart equals that mart's rows, one run);
- the second publish replaces the set (one run in ``_publish_log``), never appends;
- a refresh the gate blocks leaves the PostgreSQL ``marts`` byte-for-byte as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from tests.pg_dbt import create_database
from tests.test_gate_e2e import _thirty_hours_in_one_day
from tests.test_refresh_e2e import psops

pytestmark = pytest.mark.e2e

WATCHED = "mart_utilization_monthly"


def pg_marts_state(dsn: str) -> dict[str, tuple[int, str]]:
    """Rows and an md5 over the sorted text of every row, per table of ``marts``."""
    with psycopg.connect(dsn) as pg:
        tables = [
            t
            for (t,) in pg.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        state = {}
        for table in tables:
            rows, digest = pg.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f'FROM marts."{table}" t'
            ).fetchone()
            state[table] = (rows, digest)
        return state


def duckdb_marts(analytics_db: Path) -> dict[str, int]:
    con = duckdb.connect(str(analytics_db), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
        return {
            t: con.execute(f'SELECT count(*) FROM marts."{t}"').fetchone()[0] for (t,) in tables
        }
    finally:
        con.close()


def consistent_reads(dsn: str, stop: threading.Event, seen: list, errors: list) -> None:
    """Query the published set until ``stop``: each read is one statement, so it must see one
    publish — the log's count for the watched mart equals the mart's rows."""
    try:
        with psycopg.connect(dsn, autocommit=True) as pg:
            while not stop.is_set():
                row = pg.execute(
                    "SELECT (SELECT count(DISTINCT run_id) FROM marts._publish_log), "
                    "(SELECT min(run_id) FROM marts._publish_log), "
                    "(SELECT row_count FROM marts._publish_log WHERE mart = %s), "
                    f"(SELECT count(*) FROM marts.{WATCHED})",
                    [WATCHED],
                ).fetchone()
                seen.append(row)
    except Exception as exc:  # pragma: no cover - reported by the test
        errors.append(repr(exc))


@pytest.fixture(scope="module")
def databases(pg_server_dsn: str) -> tuple[str, str]:
    """(the database dbt builds in, the database BI tools read)."""
    return create_database(pg_server_dsn, "e2e_build"), create_database(pg_server_dsn, "e2e_bi")


@pytest.fixture(scope="module")
def first_publish(sandbox_env, databases, tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    build_dsn, bi_dsn = databases
    warehouse = tmp_path_factory.mktemp("pg_publish") / "warehouse"
    env = {
        **sandbox_env,
        "PSOPS_DBT_TARGET": "postgres",
        "PSOPS_PG_DSN": build_dsn,
        "PSOPS_PUBLISH_PG_DSN": bi_dsn,
    }
    result = psops(["refresh"], env, warehouse)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    yield warehouse, env


def test_dbt_on_postgres_publishes_the_same_tables_to_postgres_and_duckdb(
    first_publish, databases
) -> None:
    warehouse, _ = first_publish
    in_duckdb = duckdb_marts(warehouse / "analytics.duckdb")
    in_postgres = {t: rows for t, (rows, _) in pg_marts_state(databases[1]).items()}
    assert in_postgres == in_duckdb
    assert in_duckdb[WATCHED] > 0 and "_publish_log" in in_postgres


def test_a_second_publish_replaces_while_a_reader_always_sees_one_complete_set(
    first_publish, databases
) -> None:
    warehouse, env = first_publish
    bi_dsn = databases[1]
    stop, seen, errors = threading.Event(), [], []
    reader = threading.Thread(target=consistent_reads, args=(bi_dsn, stop, seen, errors))
    reader.start()
    try:
        result = psops(["refresh"], {**env, "PSOPS_DBT_TARGET": "duckdb"}, warehouse)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert errors == []
    assert len(seen) > 10
    assert all(runs == 1 and logged == rows for runs, _, logged, rows in seen), seen[:5]
    assert len({run for _, run, _, _ in seen}) in (1, 2)  # the old set, then the new one
    with psycopg.connect(bi_dsn) as pg:
        runs = pg.execute("SELECT DISTINCT run_id FROM marts._publish_log").fetchall()
        schemas = pg.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 'marts%' ORDER BY 1"
        ).fetchall()
    assert len(runs) == 1  # replaced, not appended
    assert schemas == [("marts",)]  # no staging or retired schema left behind
    in_duckdb = duckdb_marts(warehouse / "analytics.duckdb")
    assert {t: rows for t, (rows, _) in pg_marts_state(bi_dsn).items()} == in_duckdb


def test_a_blocked_refresh_leaves_the_postgres_marts_untouched(first_publish, databases) -> None:
    warehouse, env = first_publish
    before = pg_marts_state(databases[1])
    pipeline = warehouse / "psops.duckdb"
    con = duckdb.connect(str(pipeline))
    try:  # 30 hours in one day: a dbt error-severity test fails (dbt on PostgreSQL)
        _thirty_hours_in_one_day(con)
    finally:
        con.close()
    result = psops(["refresh"], env, warehouse)
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-4000:]
    assert "BLOCKED by check assert_a_person_day_holds_at_most_24_hours" in result.stderr
    assert "nothing was published" in result.stderr
    assert pg_marts_state(databases[1]) == before
