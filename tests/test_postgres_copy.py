"""orchestration/postgres.py against a real PostgreSQL: values survive DuckDB → PostgreSQL →
DuckDB unchanged (empty text is not NULL, quotes/commas/newlines, floats to the last bit,
timestamps, decimals); the raw load leaves ``_raw_json`` behind and lower-cases names; a
schema publish swaps, replaces, and when it fails leaves the old set and no staging."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.postgres import (
    UnsupportedType,
    copy_table_from_pg,
    copy_table_to_pg,
    load_raw,
    publish_schema,
)
from tests.pg_dbt import create_database

ROWS = [
    (1, "plain", 0.1, True, date(2026, 10, 15), datetime(2026, 10, 15, 9, 30, 1, 250000), 12.34),
    (2, "", 1e-300, False, None, None, -0.5),
    (3, None, 2.0 / 3.0, None, date(1999, 12, 31), datetime(2026, 3, 8, 2, 0), None),
    (4, 'a "quoted", comma\nand a newline', -123456789.125, True, None, None, 0.0),
]


@pytest.fixture()
def pg(pg_server_dsn: str, request: pytest.FixtureRequest) -> str:
    name = "copy_" + request.node.name.lower()[:40].replace("[", "_").replace("]", "")
    return create_database(pg_server_dsn, name)


def duck_with_rows(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA s")
    con.execute(
        "CREATE TABLE s.t (id INTEGER, label VARCHAR, x DOUBLE, flag BOOLEAN, day DATE, "
        "stamped TIMESTAMP, amount DECIMAL(18, 2))"
    )
    con.executemany("INSERT INTO s.t VALUES (?, ?, ?, ?, ?, ?, ?)", ROWS)
    return con


def test_values_survive_the_round_trip_exactly(pg: str, tmp_path: Path) -> None:
    con = duck_with_rows(tmp_path / "a.duckdb")
    with psycopg.connect(pg) as conn:
        conn.execute("CREATE SCHEMA s")
        assert copy_table_to_pg(con, conn, ("s", "t"), ("s", "t")) == 4
        conn.commit()
        assert conn.execute("SELECT label FROM s.t WHERE id = 2").fetchone() == ("",)
        assert conn.execute("SELECT label IS NULL FROM s.t WHERE id = 3").fetchone() == (True,)
        back = duckdb.connect(str(tmp_path / "b.duckdb"))
        assert copy_table_from_pg(conn, back, ("s", "t"), ("s", "t")) == 4
    before = con.execute("SELECT * FROM s.t ORDER BY id").fetchall()
    after = back.execute("SELECT * FROM s.t ORDER BY id").fetchall()
    assert after == before
    types = back.execute(
        "SELECT data_type FROM duckdb_columns() WHERE table_name = 't' ORDER BY column_index"
    ).fetchall()
    assert [t for (t,) in types] == [
        "INTEGER", "VARCHAR", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "DECIMAL(18,2)"
    ]  # fmt: skip


def test_the_raw_load_drops_raw_json_and_lower_cases_salesforce_names(
    pg: str, tmp_path: Path
) -> None:
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    con.execute("CREATE SCHEMA raw_salesforce")
    con.execute(
        'CREATE TABLE raw_salesforce.account ("Id" VARCHAR, "IsDeleted" BOOLEAN, _raw_json JSON)'
    )
    con.execute("INSERT INTO raw_salesforce.account VALUES ('001A', false, '{\"Id\": 1}')")
    con.execute("CREATE SCHEMA marts")  # not raw: stays behind
    con.execute("CREATE TABLE marts.m AS SELECT 1 AS n")

    assert load_raw(con, pg) == {"raw_salesforce.account": 1}
    with psycopg.connect(pg) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw_salesforce' ORDER BY ordinal_position"
        ).fetchall()
        assert columns == [("id",), ("isdeleted",)]
        assert conn.execute("SELECT id FROM raw_salesforce.account").fetchall() == [("001A",)]
        assert conn.execute("SELECT to_regclass('marts.m')").fetchone() == (None,)


def test_a_second_raw_load_replaces_the_rows_under_dbts_views(pg: str, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    con.execute("CREATE SCHEMA raw_kantata")
    con.execute("CREATE TABLE raw_kantata.users (id VARCHAR, updated_at TIMESTAMP)")
    con.execute("INSERT INTO raw_kantata.users VALUES ('1', '2026-10-01 10:00')")
    load_raw(con, pg)
    with psycopg.connect(pg) as conn:  # what dbt's staging is: a view over the raw table
        conn.execute("CREATE VIEW public.stg_users AS SELECT * FROM raw_kantata.users")
    con.execute("INSERT INTO raw_kantata.users VALUES ('2', '2026-10-02 10:00')")
    assert load_raw(con, pg) == {"raw_kantata.users": 2}
    with psycopg.connect(pg) as conn:
        assert conn.execute("SELECT count(*) FROM public.stg_users").fetchone() == (2,)
    con.execute("ALTER TABLE raw_kantata.users ADD COLUMN email VARCHAR")  # a new field
    assert load_raw(con, pg) == {"raw_kantata.users": 2}
    with psycopg.connect(pg) as conn:  # the table is recreated; dbt recreates its views
        assert conn.execute("SELECT to_regclass('public.stg_users')").fetchone() == (None,)
        assert conn.execute("SELECT count(email) FROM raw_kantata.users").fetchone() == (0,)


def _published(pg: str) -> list[tuple]:
    with psycopg.connect(pg) as conn:
        return conn.execute("SELECT n FROM marts.a ORDER BY n").fetchall()


def test_publish_replaces_the_schema_and_a_failure_leaves_the_old_one(
    pg: str, tmp_path: Path
) -> None:
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.a AS SELECT range AS n FROM range(3)")
    assert publish_schema(con, pg, "marts", "run-1") == {"a": 3}
    con.execute("CREATE OR REPLACE TABLE marts.a AS SELECT range AS n FROM range(5)")
    assert publish_schema(con, pg, "marts", "run-2") == {"a": 5}
    assert _published(pg) == [(n,) for n in range(5)]  # replaced, not appended

    con.execute("CREATE TABLE marts.z AS SELECT [1, 2] AS not_copyable")  # after `a`
    con.execute("CREATE OR REPLACE TABLE marts.a AS SELECT range AS n FROM range(9)")
    with pytest.raises(UnsupportedType):
        publish_schema(con, pg, "marts", "run-3")
    assert _published(pg) == [(n,) for n in range(5)]
    with psycopg.connect(pg) as conn:
        schemas = conn.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'marts%'"
        ).fetchall()
    assert schemas == [("marts",)]


def test_a_reader_holding_the_old_set_does_not_block_the_swap_and_reads_the_new_set_next(
    pg: str, tmp_path: Path
) -> None:
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.a AS SELECT range AS n FROM range(3)")
    publish_schema(con, pg, "marts", "run-1")
    reader = psycopg.connect(pg)  # a BI session in the middle of a transaction
    assert reader.execute("SELECT count(*) FROM marts.a").fetchone() == (3,)

    con.execute("CREATE OR REPLACE TABLE marts.a AS SELECT range AS n FROM range(7)")
    done = threading.Event()
    swapped = threading.Thread(
        target=lambda: (publish_schema(con, pg, "marts", "run-2"), done.set())
    )
    swapped.start()
    # the swap itself does not wait for the reader; only dropping the old set does
    for _ in range(100):
        with psycopg.connect(pg) as other:
            if other.execute("SELECT count(*) FROM marts.a").fetchone() == (7,):
                break
        threading.Event().wait(0.1)
    else:
        pytest.fail("a new reader never saw the new set while the old reader held the old one")
    # its next statement (READ COMMITTED, what BI tools use) reads the new set whole
    assert reader.execute("SELECT count(*) FROM marts.a").fetchone() == (7,)
    assert not done.is_set()  # the old set is dropped only once its reader is done
    reader.rollback()
    reader.close()
    swapped.join(timeout=30)
    assert done.is_set()
