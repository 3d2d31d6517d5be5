"""PostgreSQL beside DuckDB: tables move between the two with COPY (CSV through a temporary
file, psycopg 3 on the PostgreSQL side).

Why COPY: DuckDB's ``postgres`` extension cannot be downloaded here at run time and the pip
build of it loads into one DuckDB version only; ADBC would add a driver for what COPY
already streams at disk speed (README "Running on your warehouse" has the measurement).

Three movements use it:

- ``load_raw``: before dbt builds on the ``postgres`` target, the run's raw tables
  (``raw_<source>.*`` in its working ``psops.duckdb``) replace the same tables in
  PostgreSQL, in one transaction (dbt never sees half a load).  ``_raw_json`` stays in
  DuckDB: no model reads it, and it is most of the bytes.
- ``fetch_schema``: after that build, the ``marts`` schema comes back into the working copy,
  so the gate, ``publish`` and ``psops status`` read what they read on the DuckDB target.
- ``publish_schema``: ``publish`` with ``PSOPS_PUBLISH_PG_DSN`` writes the published marts
  into a staging schema and swaps it with ``marts`` in one transaction — a reader sees the
  old set or the new one, never a mix.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

RAW_JSON = "_raw_json"

_TO_PG = {
    "VARCHAR": "text",
    "JSON": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UBIGINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
    "date": "DATE",
    "time without time zone": "TIME",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "interval": "INTERVAL",
    "uuid": "UUID",
}
_FORMATTED = {  # pg_type's names as PostgreSQL's format_type() spells them
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")

Columns = list[tuple[str, str]]


class UnsupportedType(ValueError):
    """A column type with no counterpart on the other engine (a list, a struct, …)."""


def pg_type(duckdb_type: str) -> str:
    if m := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({m[1]},{m[2]})"
    if duckdb_type not in _TO_PG:
        raise UnsupportedType(f"no PostgreSQL type for DuckDB's {duckdb_type}")
    return _TO_PG[duckdb_type]


def duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision},{scale})" if precision else "DOUBLE"
    if data_type not in _TO_DUCKDB:
        raise UnsupportedType(f"no DuckDB type for PostgreSQL's {data_type}")
    return _TO_DUCKDB[data_type]


def connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=False)


def _ident(*parts: str) -> sql.Identifier:
    return sql.Identifier(*parts)


@contextmanager
def _csv_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="psops-copy-") as folder:
        yield Path(folder) / "rows.csv"


def duckdb_tables(duck: duckdb.DuckDBPyConnection, schema_like: str) -> list[tuple[str, str]]:
    """(schema, table) of the base tables whose schema matches ``schema_like`` (LIKE, with
    ``\\`` as its escape)."""
    return duck.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name LIKE ? ESCAPE '\\' "
        "ORDER BY schema_name, table_name",
        [schema_like],
    ).fetchall()


def duckdb_columns(duck: duckdb.DuckDBPyConnection, schema: str, table: str) -> Columns:
    return duck.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [schema, table],
    ).fetchall()


def copy_table_to_pg(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    source: tuple[str, str],
    target: tuple[str, str],
    exclude: Iterable[str] = (),
) -> int:
    """Create ``target`` in PostgreSQL (dropping one of that name) with ``source``'s
    columns and rows; the caller commits.  Returns the row count.  Column names arrive in
    lower case: DuckDB matches ``Id`` to an unquoted ``id``, PostgreSQL does not (the
    Salesforce fields are CamelCase)."""
    skip = set(exclude)
    columns = [(n, t) for n, t in duckdb_columns(duck, *source) if n not in skip]
    wanted = [(n.lower(), _FORMATTED.get(pg_type(t), pg_type(t))) for n, t in columns]
    if _pg_shape(pg, *target) == wanted:
        # same columns: replace the rows, keep the table (dbt's views over it stay valid)
        pg.execute(sql.SQL("TRUNCATE {}").format(_ident(*target)))
    else:
        # new or changed: dbt recreates the views over it in the build that follows
        pg.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(_ident(*target)))
        pg.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                _ident(*target),
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(_ident(n), sql.SQL(t)) for n, t in wanted
                ),
            )
        )
    names = ", ".join(f'"{n}"' for n, _ in columns)
    with _csv_file() as path:
        duck.execute(
            f'COPY (SELECT {names} FROM "{source[0]}"."{source[1]}") TO \'{path}\' '
            "(FORMAT csv, HEADER false)"
        )
        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            _ident(*target), sql.SQL(", ").join(_ident(n.lower()) for n, _ in columns)
        )
        with pg.cursor() as cur, cur.copy(copy) as stream, path.open("rb") as rows:
            while chunk := rows.read(1 << 20):
                stream.write(chunk)
    count = pg.execute(sql.SQL("SELECT count(*) FROM {}").format(_ident(*target))).fetchone()
    return int(count[0]) if count else 0


def _pg_shape(pg: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, type as ``pg_type`` spells it) of an existing table, [] when there is none."""
    rows = pg.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [sql.Identifier(schema, table).as_string(pg)],
    ).fetchall()
    return [(name, kind) for name, kind in rows]


def pg_tables(pg: psycopg.Connection, schema: str, include_views: bool = False) -> list[str]:
    kinds = ["BASE TABLE", "VIEW"] if include_views else ["BASE TABLE"]
    rows = pg.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = %s AND table_type = ANY(%s) ORDER BY table_name",
        [schema, kinds],
    ).fetchall()
    return [r[0] for r in rows]


def pg_columns(pg: psycopg.Connection, schema: str, table: str) -> Columns:
    rows = pg.execute(
        "SELECT column_name, data_type, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [(name, duckdb_type(t, p, s)) for name, t, p, s in rows]


def copy_table_from_pg(
    pg: psycopg.Connection,
    duck: duckdb.DuckDBPyConnection,
    source: tuple[str, str],
    target: tuple[str, str],
) -> int:
    """Replace DuckDB's ``target`` with PostgreSQL's ``source`` (same columns and types)."""
    columns = pg_columns(pg, *source)
    copy = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(_ident(n) for n, _ in columns), _ident(*source)
    )
    with _csv_file() as path:
        with pg.cursor() as cur, cur.copy(copy) as stream, path.open("wb") as out:
            for chunk in stream:
                out.write(chunk)
        spec = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns) + "}"
        duck.execute(f'CREATE SCHEMA IF NOT EXISTS "{target[0]}"')
        duck.execute(
            f'CREATE OR REPLACE TABLE "{target[0]}"."{target[1]}" AS SELECT * FROM '
            f"read_csv('{path}', columns = {spec}, header = false, quote = '\"', "
            "escape = '\"', delim = ',', allow_quoted_nulls = false, auto_detect = false)"
        )
    count = duck.execute(f'SELECT count(*) FROM "{target[0]}"."{target[1]}"').fetchone()
    return int(count[0]) if count else 0


def load_raw(duck: duckdb.DuckDBPyConnection, dsn: str) -> dict[str, int]:
    """Every ``raw_*`` table of ``duck`` replaces its namesake in PostgreSQL, in one
    transaction; ``_raw_json`` is left behind.  Returns rows per ``schema.table``."""
    counts: dict[str, int] = {}
    with connect(dsn) as pg:
        for schema, table in duckdb_tables(duck, "raw\\_%"):
            pg.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_ident(schema)))
            counts[f"{schema}.{table}"] = copy_table_to_pg(
                duck, pg, (schema, table), (schema, table), exclude=[RAW_JSON]
            )
            # statistics now, not when autovacuum gets to it: the planner's row estimates
            # for dbt's first queries come from here
            pg.execute(sql.SQL("ANALYZE {}").format(_ident(schema, table)))
    return counts


def fetch_schema(
    dsn: str, duck: duckdb.DuckDBPyConnection, schema: str, include_views: bool = False
) -> dict[str, int]:
    """Every table (and view, with ``include_views``: as a table) of PostgreSQL's ``schema``
    replaces its namesake in ``duck``; a DuckDB table that PostgreSQL no longer has is
    dropped.  Returns rows per table."""
    duck.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    for (view,) in duck.execute(  # a view of the DuckDB build would shadow the copy
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = ? AND NOT internal",
        [schema],
    ).fetchall():
        duck.execute(f'DROP VIEW "{schema}"."{view}"')
    with connect(dsn) as pg:
        tables = pg_tables(pg, schema, include_views)
        counts = {t: copy_table_from_pg(pg, duck, (schema, t), (schema, t)) for t in tables}
    for _, stale in duckdb_tables(duck, schema):
        if stale not in counts:
            duck.execute(f'DROP TABLE "{schema}"."{stale}"')
    return counts


def publish_schema(
    duck: duckdb.DuckDBPyConnection,
    dsn: str,
    schema: str,
    run_id: str,
    source_schema: str = "marts",
) -> dict[str, int]:
    """Copy every table of ``duck``'s ``source_schema`` into a new PostgreSQL schema and
    swap it with ``schema`` in one transaction (the old one dropped).  Nothing is changed
    in PostgreSQL's ``schema`` unless every table arrived."""
    staging = f"{schema}__publishing_{re.sub(r'[^a-z0-9]', '', run_id.lower())[:20]}"
    retired = f"{schema}__retired"
    counts: dict[str, int] = {}
    with connect(dsn) as pg:
        pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(staging)))
        pg.execute(sql.SQL("CREATE SCHEMA {}").format(_ident(staging)))
        for _, table in duckdb_tables(duck, source_schema):
            counts[table] = copy_table_to_pg(duck, pg, (source_schema, table), (staging, table))
        pg.commit()  # the new set is complete before anyone sees it
        try:
            pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(retired)))
            pg.commit()
            exists = pg.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema]
            ).fetchone()
            # the swap: two renames, no table lock, so it waits for no reader; a query that
            # started before it reads the old tables to its end, one after it the new ones
            if exists:
                pg.execute(
                    sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(schema), _ident(retired))
                )
            pg.execute(
                sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(staging), _ident(schema))
            )
            pg.commit()
        except BaseException:
            pg.rollback()
            pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(staging)))
            pg.commit()
            raise
        # the old set goes once its last reader is done (DROP waits for their locks)
        pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(retired)))
        pg.commit()
    return counts
