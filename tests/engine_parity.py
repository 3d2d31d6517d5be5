"""Do two DuckDB files hold the same marts, whichever engine built them?  The dbt build on
DuckDB and the one on PostgreSQL (brought back by ``tests.pg_dbt``) store the same numbers
in types that differ (PostgreSQL's ``sum(integer)`` is a bigint, DuckDB's a hugeint; its
``avg`` a numeric), so each mart is compared on normalised values: numbers as doubles
rounded to ``DIGITS`` decimals, everything else as text.

    python -m tests.engine_parity duckdb_built.duckdb postgres_built.duckdb [--schema marts]

prints one line per mart that differs (rows, checksum, and a few differing rows) and exits 1
if any does.  A mart whose checksum alone differs is compared row by row, floats within
``FLOAT_TOLERANCE`` (relative): the engines (and DuckDB from run to run) add doubles in no
set order, and a value on a rounding boundary may round either way.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.mart_checksums import FLOAT_TOLERANCE, RUN_STAMPED

DIGITS = 6
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class MartParity:
    mart: str
    rows: int
    checksum: int
    columns: tuple[str, ...]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _normalised(name: str, kind: str) -> str:
    if kind.startswith(NUMERIC):
        # -0.0 and 0.0 alike; rounding absorbs the engines' float summation order
        return f"(round({_quote(name)}::DOUBLE, {DIGITS}) + 0.0)::VARCHAR"
    return f"{_quote(name)}::VARCHAR"


def _marts(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [schema]
    ).fetchall()
    return [name for (name,) in rows if not name.startswith("_")]


def _select(
    con: duckdb.DuckDBPyConnection, schema: str, mart: str, database: str | None = None
) -> tuple[str, tuple[str, ...]]:
    """The normalised select of ``mart`` (columns by name) and its column names."""
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? "
        "AND table_name = ? AND database_name = coalesce(?, current_database()) "
        "ORDER BY column_name",
        [schema, mart, database],
    ).fetchall()
    skipped = RUN_STAMPED.get(mart, ())
    kept = [(n.lower(), t) for n, t in columns if n not in skipped]
    exprs = [f"{_normalised(n, t)} AS {_quote(n)}" for n, t in kept]
    where = f"{_quote(database)}." if database else ""
    return (
        f"SELECT {', '.join(exprs)} FROM {where}{_quote(schema)}.{_quote(mart)}",
        tuple(n for n, _ in kept),
    )


def parity(path: Path, schema: str = "marts") -> dict[str, MartParity]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        result = {}
        for mart in _marts(con, schema):
            query, columns = _select(con, schema, mart)
            hashed = ", ".join(f"t.{_quote(c)}" for c in columns) or "0"
            rows, total = con.execute(
                f"SELECT count(*), coalesce(sum(hash({hashed})::HUGEINT), 0) FROM ({query}) t"
            ).fetchone()
            result[mart] = MartParity(mart, int(rows), int(total) % 2**64, columns)
        return result
    finally:
        con.close()


def differing_rows(left: Path, right: Path, mart: str, schema: str, limit: int = 3) -> list[str]:
    """A few normalised rows in one file and not the other."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        lq, _ = _select(con, schema, mart, "l")
        rq, _ = _select(con, schema, mart, "r")
        out = []
        for side, a, b in (("duckdb only", lq, rq), ("postgres only", rq, lq)):
            rows = con.execute(f"SELECT * FROM ({a} EXCEPT ALL {b}) LIMIT {limit}").fetchall()
            out += [f"  {side}: {row}" for row in rows]
        return out
    finally:
        con.close()


def _rows(path: Path, schema: str, mart: str) -> list[tuple]:
    """The mart's rows, numbers as doubles and the rest as text, columns by name, sorted by
    the text columns and then the numbers rounded to 4 decimals (so float noise in the last
    bits does not reorder rows)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ? ORDER BY column_name",
            [schema, mart],
        ).fetchall()
        kept = [(n, t) for n, t in columns if n not in RUN_STAMPED.get(mart, ())]
        text = [f"{_quote(n)}::VARCHAR" for n, t in kept if not t.startswith(NUMERIC)]
        numbers = [f"{_quote(n)}::DOUBLE" for n, t in kept if t.startswith(NUMERIC)]
        order = text + [f"round({n}, 4)" for n in numbers]
        return con.execute(
            f"SELECT {', '.join(text + numbers)} FROM {_quote(schema)}.{_quote(mart)} "
            f"ORDER BY {', '.join(order) or '1'}"
        ).fetchall()
    finally:
        con.close()


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def same_within_tolerance(left: Path, right: Path, mart: str, schema: str) -> bool:
    """Row by row, floats equal within ``FLOAT_TOLERANCE`` (relative): a double ``sum`` adds
    its rows in no set order — DuckDB itself gives 666223.2953125001 one run and
    666223.2953125 the next — so a value on a rounding boundary may fall either side."""
    a, b = _rows(left, schema, mart), _rows(right, schema, mart)
    return len(a) == len(b) and all(
        len(x) == len(y) and all(_close(p, q) for p, q in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def compare(left: Path, right: Path, schema: str = "marts") -> list[str]:
    """Lines describing every mart that differs (empty: identical)."""
    a, b = parity(left, schema), parity(right, schema)
    problems = []
    for mart in sorted(a.keys() | b.keys()):
        if mart not in a or mart not in b:
            problems.append(f"{mart}: only in {'left' if mart in a else 'right'}")
            continue
        x, y = a[mart], b[mart]
        if x.columns != y.columns:
            problems.append(f"{mart}: columns differ {set(x.columns) ^ set(y.columns)}")
        elif (x.rows, x.checksum) != (y.rows, y.checksum) and not same_within_tolerance(
            left, right, mart, schema
        ):
            problems.append(f"{mart}: rows {x.rows} vs {y.rows}, checksums differ")
            try:
                problems += differing_rows(left, right, mart, schema)
            except duckdb.Error as exc:  # pragma: no cover - a diagnostic only
                problems.append(f"  (rows not compared: {exc})")
    return problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left", type=Path)
    parser.add_argument("right", type=Path)
    parser.add_argument("--schema", default="marts")
    args = parser.parse_args()
    found = compare(args.left, args.right, args.schema)
    print("\n".join(found) or f"every {args.schema} table identical")
    sys.exit(1 if found else 0)
