"""Row count and an order-independent checksum of every published mart, to show that a
refactor left the marts unchanged.

    python -m tests.mart_checksums warehouse/analytics.duckdb [--json]
    python -m tests.mart_checksums --compare before.duckdb after.duckdb   # exit 1 if any differ

A mart's checksum is the sum (mod 2**64) of DuckDB's ``hash()`` of each row: the order of
the rows does not change it, a duplicated row does (a sum, not a XOR, so two equal rows do
not cancel). The row's values are hashed as stored (floats unrounded; only -0.0 and 0.0 hash
alike), in the order of the column names, so a mart whose columns only moved keeps its
checksum; its ``columns`` (names and types, in table order) are compared separately.
DuckDB's ``hash()`` is stable for identical data across runs of one DuckDB version: compare
files with the same version.

Floating-point sums in another order (a refactored model, or DuckDB's threads) differ in the
last bits: when only the checksum differs, the two marts are compared row by row (sorted,
floats equal within ``FLOAT_TOLERANCE`` relative) and such a mart counts as identical
(``--exact`` turns this off).

Columns stamped with the wall clock or the run id (``RUN_STAMPED``) differ between two runs
on identical data and are left out of the checksum unless ``--all-columns`` is given. The
``_``-prefixed tables (the publish log, source freshness) are not marts and are left out.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

SCHEMA = "marts"
FLOAT_TOLERANCE = 1e-9
# mart -> columns whose values come from the clock or the run, not from the data
RUN_STAMPED: dict[str, tuple[str, ...]] = {
    "fct_admin_findings_history": ("recorded_at",),
    "fct_revenue_forecast_history": ("recorded_at",),
    "mart_dq_results": ("run_id", "checked_at"),
}


@dataclass(frozen=True)
class MartChecksum:
    """One mart: its row count, content checksum (16 hex digits) and ``name type`` columns."""

    mart: str
    rows: int
    checksum: str
    columns: list[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mart_checksums(path: Path, all_columns: bool = False) -> list[MartChecksum]:
    """Every table of the ``marts`` schema of ``path`` (``_``-prefixed ones excluded), by name."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        marts = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1",
                [SCHEMA],
            ).fetchall()
            if not name.startswith("_")
        ]
        result = []
        for mart in marts:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [SCHEMA, mart],
            ).fetchall()
            skipped = () if all_columns else RUN_STAMPED.get(mart, ())
            hashed = sorted(name for name, _ in columns if name not in skipped)
            row_hash = f"hash({', '.join(_quote(c) for c in hashed)})" if hashed else "0"
            rows, total = con.execute(
                f"SELECT count(*), coalesce(sum({row_hash}::HUGEINT), 0) "
                f"FROM {_quote(SCHEMA)}.{_quote(mart)}"
            ).fetchone()
            result.append(
                MartChecksum(
                    mart=mart,
                    rows=int(rows),
                    checksum=f"{int(total) % 2**64:016x}",
                    columns=[f"{name} {kind}" for name, kind in columns],
                )
            )
        return result
    finally:
        con.close()


def _sorted_rows(path: Path, mart: str, skipped: tuple[str, ...]) -> list[tuple]:
    """The mart's rows without ``skipped`` columns, floats last and rounded in the sort key,
    so float noise does not reorder rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ? ORDER BY column_name",
            [SCHEMA, mart],
        ).fetchall()
        kept = [(n, t) for n, t in columns if n not in skipped]
        exact = [_quote(n) for n, t in kept if t not in ("DOUBLE", "FLOAT")]
        floats = [_quote(n) for n, t in kept if t in ("DOUBLE", "FLOAT")]
        order = exact + [f"round({f}, 6)" for f in floats]
        return con.execute(
            f"SELECT {', '.join(exact + floats)} FROM {_quote(SCHEMA)}.{_quote(mart)} "
            f"ORDER BY {', '.join(order)}"
        ).fetchall()
    finally:
        con.close()


def _close(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return x == y


def same_within_tolerance(a: Path, b: Path, mart: str, all_columns: bool = False) -> bool:
    """The two marts' rows are equal, floats within ``FLOAT_TOLERANCE``."""
    skipped = () if all_columns else RUN_STAMPED.get(mart, ())
    left, right = _sorted_rows(a, mart, skipped), _sorted_rows(b, mart, skipped)
    return len(left) == len(right) and all(
        all(_close(x, y) for x, y in zip(r1, r2, strict=True))
        for r1, r2 in zip(left, right, strict=True)
    )


def differences(
    a: list[MartChecksum],
    b: list[MartChecksum],
    same_content: Callable[[str], bool] | None = None,
) -> list[str]:
    """One line per mart that is missing on one side or differs in rows, content or columns;
    ``same_content(mart)`` gets the last word on a mart whose checksum alone differs."""
    left = {m.mart: m for m in a}
    right = {m.mart: m for m in b}
    lines = []
    for mart in sorted(left.keys() | right.keys()):
        if mart not in right:
            lines.append(f"{mart}: only in the first")
        elif mart not in left:
            lines.append(f"{mart}: only in the second")
        else:
            x, y = left[mart], right[mart]
            what = []
            if x.columns != y.columns:
                what.append("columns differ")
            if x.rows != y.rows:
                what.append(f"rows {x.rows} != {y.rows}")
            if x.checksum != y.checksum and not (
                not what and same_content is not None and same_content(mart)
            ):
                what.append(f"checksum {x.checksum} != {y.checksum}")
            if what:
                lines.append(f"{mart}: " + ", ".join(what))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the checksums of one file, or compare two (exit 1 when any mart differs)."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.mart_checksums", description=__doc__.splitlines()[0]
    )
    parser.add_argument("database", nargs="?", type=Path, help="an analytics.duckdb")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--all-columns", action="store_true", help="also hash the run-stamped columns"
    )
    parser.add_argument("--exact", action="store_true", help="no float tolerance: any bit differs")
    args = parser.parse_args(argv)
    if (args.database is None) == (args.compare is None):
        parser.error("give one analytics.duckdb, or --compare A B")
    for path in args.compare or [args.database]:
        if not path.is_file():
            parser.error(f"no such file: {path}")

    if args.compare:
        a, b = (mart_checksums(p, args.all_columns) for p in args.compare)
        lines = differences(a, b)
        if not args.exact:  # a content-only difference may be float summation order
            lines = differences(
                a,
                b,
                lambda mart: same_within_tolerance(*args.compare, mart, args.all_columns),
            )
        if args.json:
            print(json.dumps({"identical": not lines, "differences": lines}, indent=2))
        else:
            for line in lines:
                print(line)
            if not lines:
                print(f"{len(a)} marts identical")
        return 1 if lines else 0

    marts = mart_checksums(args.database, args.all_columns)
    if args.json:
        print(json.dumps([asdict(m) for m in marts], indent=2))
    else:
        width = max((len(m.mart) for m in marts), default=4)
        for m in marts:
            print(f"{m.mart:<{width}}  {m.rows:>9}  {m.checksum}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
