"""The hourly gate's engine: a suite's Great Expectations expectations compiled to DuckDB
SQL and run where the data is, on the rows that can change the verdict.

An hourly run judges the rows loaded since a suite last passed (``checks.judge.
rows_to_judge``): a handful of rows in a table of 680k.  Great Expectations (with pandas) is
the gate's reference engine and judges every live row on the nightly full refresh, but for a
few rows its cost is all overhead: ~2.5 s of imports a process (on 2 cores, competing with
ingest for the interpreter) and ~60 ms a suite.  Here each expectation is one query over the
rows judged, written once into a temporary table: the same verdicts, counts and samples as
GX gives on the same rows (``tests/test_gate_engines.py`` runs every suite through both).

Each kind of expectation, as GX defines it (pandas execution engine):

- ``expect_column_values_to_not_be_null``: rows where the column is NULL;
- ``expect_column_values_to_be_unique``: non-NULL values found on more than one row, every
  such row counted;
- ``expect_column_values_to_be_between``: non-NULL values below ``min_value`` or above
  ``max_value`` (inclusive bounds; a missing bound is open);
- ``expect_column_values_to_be_in_set``: non-NULL values not in ``value_set``;
- ``expect_column_values_to_match_regex``: non-NULL values, as text, in which ``regex``
  finds no match (a search, as pandas' ``str.contains``);
- ``expect_column_max_to_be_between``: the newest value, within the bounds (NULL fails).

A spec's ``only_where`` (GX's row condition) limits the rows it judges.  A suite with an
expectation not listed here is judged by GX (``compiles``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb

from checks import config
from checks.judge import (
    NEWEST,
    UNIQUE,
    KnownValues,
    aggregate_outcome,
    not_evaluated,
    quote,
    row_outcome,
    sample_rows,
)
from checks.outcomes import ExpectationOutcome
from checks.specs import ExpectationSpec, SpecInputs, Suite

JUDGED = "psops_rows_judged"  # a temporary table: the connection may be read-only
ORDER = "_psops_row"  # the table's own order (rowid), as GX sees the frame's rows

Failing = tuple[str, list[Any]]  # a SQL condition (true for a failing row), its parameters


def _null(column: str, kwargs: dict[str, Any], rows: Failing) -> Failing:
    return f"{column} IS NULL", []


def _unique(column: str, kwargs: dict[str, Any], rows: Failing) -> Failing:
    """Repeated among the spec's ``rows``."""
    where, params = rows
    repeated = f"SELECT {column} FROM {JUDGED} WHERE {where} GROUP BY {column} HAVING count(*) > 1"
    return f"{column} IN ({repeated})", params


def _bounds(value: str, kwargs: dict[str, Any]) -> Failing:
    """The SQL condition that ``value`` lies within the bounds."""
    terms, params = [], []
    for bound, op in (("min_value", ">="), ("max_value", "<=")):
        if kwargs.get(bound) is not None:
            terms.append(f"{value} {op} ?")
            params.append(kwargs[bound])
    return " AND ".join(terms) or "true", params


def _between(column: str, kwargs: dict[str, Any], rows: Failing) -> Failing:
    within, params = _bounds(column, kwargs)
    return f"{column} IS NOT NULL AND NOT ({within})", params


def _in_set(column: str, kwargs: dict[str, Any], rows: Failing) -> Failing:
    values = list(kwargs["value_set"])
    if not values:
        return f"{column} IS NOT NULL", []
    if all(isinstance(v, str) for v in values):  # ids and names: compared as text
        listed = f"list_contains(?::VARCHAR[], {column}::VARCHAR)"
    else:
        listed = f"list_contains(?, {column})"
    return f"{column} IS NOT NULL AND NOT {listed}", [values]


def _regex(column: str, kwargs: dict[str, Any], rows: Failing) -> Failing:
    return f"{column} IS NOT NULL AND NOT regexp_matches({column}::VARCHAR, ?)", [kwargs["regex"]]


# each rule: (quoted column, resolved kwargs, the spec's rows) -> its failing condition
ROW_RULES: dict[str, Callable[[str, dict[str, Any], Failing], Failing]] = {
    "expect_column_values_to_not_be_null": _null,
    UNIQUE: _unique,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_match_regex": _regex,
}


def compiles(specs: list[ExpectationSpec]) -> bool:
    """Whether every one of ``specs`` has a SQL form here."""
    return all(s.expectation in ROW_RULES or s.expectation == NEWEST for s in specs)


def judge_in_duckdb(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    columns: list[str],
    specs: list[ExpectationSpec],
    where: tuple[str, list[Any]],
    as_of: date,
) -> tuple[int, list[ExpectationOutcome]]:
    """The rows of ``suite.table`` matching ``where`` (a condition and its parameters)
    judged by ``specs`` (reading ``columns``): how many rows, and each spec's outcome."""
    condition, params = where
    read = ", ".join(quote(c) for c in columns)
    con.execute(
        f"CREATE OR REPLACE TEMPORARY TABLE {JUDGED} AS SELECT rowid AS {ORDER}, {read} "
        f"FROM {suite.table} WHERE {condition}",
        params,
    )
    try:
        judged = con.execute(f"SELECT count(*) FROM {JUDGED}").fetchone()[0]
        known = KnownValues(con)
        inputs = SpecInputs(as_of=as_of, known_values=known)
        outcomes = []
        for spec in specs:
            try:
                outcomes.append(_judge(con, suite.key, spec, inputs, judged, known.missing))
            except duckdb.Error as error:  # as GX reports an expectation it cannot evaluate
                outcomes.append(not_evaluated(spec, str(error).splitlines()[0]))
        return judged, outcomes
    finally:
        con.execute(f"DROP TABLE IF EXISTS {JUDGED}")


def _judge(
    con: duckdb.DuckDBPyConnection,
    key: str,
    spec: ExpectationSpec,
    inputs: SpecInputs,
    judged: int,
    missing_refs: set[str],
) -> ExpectationOutcome:
    kwargs = spec.resolve_kwargs(inputs)
    column = quote(spec.column)
    rows, params = "true", []  # the spec's rows among those judged
    if spec.only_where is not None:
        rows, params = f"{quote(spec.only_where[0])} = ?", [spec.only_where[1]]
    if spec.expectation == NEWEST:
        within, bound_params = _bounds("newest", kwargs)
        newest, passed = con.execute(
            f"SELECT newest, newest IS NOT NULL AND {within} FROM "
            f"(SELECT max({column}) AS newest FROM {JUDGED} WHERE {rows})",
            [*bound_params, *params],
        ).fetchone()
        return aggregate_outcome(spec, newest, bool(passed))
    failing, failing_params = ROW_RULES[spec.expectation](column, kwargs, (rows, params))
    condition = f"{rows} AND ({failing})"
    all_params = [*params, *failing_params]
    names = [key] if key == spec.column else [key, spec.column]
    failing_rows = con.execute(  # the first few failing rows, and how many fail in all
        f"SELECT {', '.join(quote(n) for n in names)}, count(*) OVER () FROM {JUDGED} "
        f"WHERE {condition} ORDER BY {ORDER} LIMIT {config.SAMPLE_SIZE}",
        all_params,
    ).fetchall()
    count = failing_rows[0][-1] if failing_rows else 0
    rows_found = [dict(zip(names, row[:-1], strict=True)) for row in failing_rows]
    sample = sample_rows(rows_found, key, spec.column)
    return row_outcome(spec, count == 0, count, sample, judged, missing_refs)
