"""The gate's two engines give the same outcomes: Great Expectations over pandas (every live
row: the nightly run) and the same expectations compiled to DuckDB SQL (the rows loaded
since a suite last passed: the hourly run, ``checks.sql_engine``).

Every suite runs both ways on the same rows of a small sandbox ingested with its bad
records, after each expectation's column was broken on a few rows the way that expectation
catches (a NULL, a repeated value, a value out of bounds, out of the set, not matching):
each engine must find the same failing rows, count them alike, sample them alike and say
the same words."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from checks.gx_runner import SUITES, run_suite
from checks.judge import quote
from checks.outcomes import ExpectationOutcome
from checks.specs import ExpectationSpec, SpecInputs
from checks.sql_engine import compiles
from tests.ingest_helpers import clean_ingest_of

pytestmark = pytest.mark.slow

AS_OF = date(2026, 10, 15)  # the small sandbox's as-of date
EVERY_ROW = datetime(1970, 1, 1)  # "loaded since" the epoch: the SQL engine judges every row


@pytest.fixture(scope="module")
def ingested(make_sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    sandbox = make_sandbox(bad_records=True)
    return clean_ingest_of(sandbox, tmp_path_factory.mktemp("engines"))


def _bad_value(spec: ExpectationSpec, kwargs: dict[str, Any], ctype: str) -> Any:
    """A value ``spec`` rejects in a column of type ``ctype``; None when there is none."""
    kind = spec.expectation
    if kind == "expect_column_values_to_not_be_null":
        return None
    if kind == "expect_column_values_to_be_in_set" and ctype == "VARCHAR":
        return "no-such-value"
    if kind == "expect_column_values_to_match_regex":
        return "not an id"
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if isinstance(low, (int, float)) and ctype in ("BIGINT", "INTEGER", "DOUBLE"):
            return low - 1
        if isinstance(high, (int, float)) and ctype in ("BIGINT", "INTEGER", "DOUBLE"):
            return high + 1
        if isinstance(low, date) and ctype in ("DATE", "TIMESTAMP"):
            return date(1900, 1, 1)
    return ...  # nothing to break this way


def break_columns(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Break every expectation's column of ``table`` on its own few rows; how many broke."""
    suite = SUITES[table]
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema || '.' || table_name = ?",
            [table],
        ).fetchall()
    )
    rows = [r for (r,) in con.execute(f"SELECT rowid FROM {table} ORDER BY rowid").fetchall()]
    inputs = SpecInputs(as_of=AS_OF, known_values=lambda *a, **k: [])
    broken = 0
    for n, spec in enumerate(suite.expectations):
        if spec.column == suite.key or spec.column not in types:
            continue  # the key: a primary key, not to be broken by UPDATE
        targets = rows[3 * n + 1 : 3 * n + 3]
        column = quote(spec.column)
        if spec.expectation == "expect_column_values_to_be_unique":
            if len(targets) == 2:
                con.execute(
                    f"UPDATE {table} SET {column} = (SELECT {column} FROM {table} "
                    f"WHERE rowid = ?) WHERE rowid = ?",
                    targets,
                )
                broken += 1
            continue
        value = _bad_value(spec, spec.resolve_kwargs(inputs), types[spec.column])
        if value is ... or not targets:
            continue
        placeholders = ", ".join("?" for _ in targets)
        con.execute(
            f"UPDATE {table} SET {column} = ? WHERE rowid IN ({placeholders})", [value, *targets]
        )
        broken += 1
    return broken


@pytest.fixture(scope="module")
def broken(ingested: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("broken") / "psops.duckdb"
    shutil.copyfile(ingested, path)
    con = duckdb.connect(str(path))
    try:
        assert sum(break_columns(con, table) for table in SUITES) > 60
    finally:
        con.close()
    yield path


Outcomes = list[ExpectationOutcome]


def both_engines(path: Path, table: str) -> tuple[Outcomes, Outcomes]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        gx = run_suite(con, table, AS_OF)
        sql = run_suite(con, table, AS_OF, loaded_since=EVERY_ROW)
    finally:
        con.close()
    assert sql.scope and not gx.scope  # the SQL engine did judge it
    assert sql.row_count == gx.row_count
    return gx.expectations, sql.expectations


def test_every_expectation_of_every_suite_compiles_to_sql() -> None:
    for suite in SUITES.values():
        assert compiles(list(suite.expectations)), suite.name


@pytest.fixture(scope="module")
def judged_broken(broken: Path) -> dict[str, tuple[Outcomes, Outcomes]]:
    """Every suite on the broken rows, judged by each engine once."""
    return {table: both_engines(broken, table) for table in SUITES}


@pytest.mark.parametrize("table", sorted(SUITES))
def test_both_engines_find_the_same_failing_rows(judged_broken, table: str) -> None:
    gx, sql = judged_broken[table]

    assert sql == gx


def test_the_broken_rows_fail_in_both_engines(judged_broken) -> None:
    failed = set()
    for table, (gx, sql) in judged_broken.items():
        assert sql == gx
        failed |= {(table, e.expectation) for e in gx if not e.passed}
    kinds = {expectation.split("(")[0] for _, expectation in failed}
    assert kinds >= {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
    }
    assert len(failed) > 60


def test_a_clean_ingest_passes_alike_in_both_engines(ingested: Path) -> None:
    for table in SUITES:
        gx, sql = both_engines(ingested, table)
        assert sql == gx
