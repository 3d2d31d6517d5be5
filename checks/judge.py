"""What both of the gate's engines share (``checks.gx_runner``: Great Expectations over
pandas; ``checks.sql_engine``: the same expectations compiled to DuckDB SQL): the raw
table's columns, the rows a suite judges, the values a reference column knows, and one
expectation's outcome in words.  Imports neither GX nor pandas."""

from __future__ import annotations

import csv
import math
import sys
from datetime import date, datetime
from typing import Any

import duckdb

from checks import config
from checks.outcomes import ExpectationOutcome
from checks.specs import ExpectationSpec

SEED_PREFIX = "seed."  # a spec reference "seed.sla_policies.priority" reads the dbt seed
UNIQUE = "expect_column_values_to_be_unique"
NEWEST = "expect_column_max_to_be_between"  # judges an aggregate, not rows


def quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type, or {} when the table does not exist."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {column: ctype for column, ctype in rows}


def live_rows(columns: dict[str, str] | list[str]) -> str:
    """The SQL condition of a raw table's live rows (not deleted at the source)."""
    return "NOT coalesce(_deleted, false)" if "_deleted" in columns else "true"


def rows_to_judge(
    table: str, live: str, specs: list[ExpectationSpec], loaded_since: datetime | None
) -> tuple[str, list[Any]]:
    """The WHERE condition (and its parameters) of the rows a suite judges: the live rows,
    or with ``loaded_since`` those that can change the verdict: loaded since, sharing a
    value with one of them in a must-be-unique column, or holding a column's newest value."""
    if loaded_since is None:
        return live, []
    fresh = f"{live} AND _loaded_at >= ?"
    terms, params = ["_loaded_at >= ?"], [loaded_since]
    for spec in specs:
        column = quote(spec.column)
        if spec.expectation == UNIQUE:
            terms.append(f"{column} IN (SELECT {column} FROM {table} WHERE {fresh})")
            params.append(loaded_since)
        elif spec.expectation == NEWEST:
            where = live
            if spec.only_where is not None:
                where += f" AND {quote(spec.only_where[0])} = ?"
                params.append(spec.only_where[1])
            terms.append(f"{column} = (SELECT max({column}) FROM {table} WHERE {where})")
    return f"{live} AND ({' OR '.join(terms)})", params


class KnownValues:
    """Distinct non-NULL values of a reference column (live rows only), read once per run.
    A ``seed.<name>`` table is the dbt seed ``<name>.csv`` in ``config.SEEDS_DIR`` (empty
    cells do not count)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._cache: dict[tuple[str, str, Any], list[Any]] = {}
        self.missing: set[str] = set()

    def __call__(self, table: str, column: str, where: tuple[str, Any] | None = None) -> list[Any]:
        cache_key = (table, column, where)
        if cache_key not in self._cache and table.startswith(SEED_PREFIX):
            self._cache[cache_key] = self._seed_values(table, column, where)
        if cache_key not in self._cache:
            columns = table_columns(self._con, table)
            if column not in columns or (where is not None and where[0] not in columns):
                self.missing.add(table)
                self._cache[cache_key] = []
            else:
                live = f" AND {live_rows(columns)}"
                params: list[Any] = []
                if where is not None:
                    live += f" AND {quote(where[0])} = ?"
                    params.append(where[1])
                rows = self._con.execute(
                    f"SELECT DISTINCT {quote(column)} FROM {table} "
                    f"WHERE {quote(column)} IS NOT NULL{live}",
                    params,
                ).fetchall()
                self._cache[cache_key] = [r[0] for r in rows]
        return self._cache[cache_key]

    def _seed_values(self, table: str, column: str, where: tuple[str, Any] | None) -> list[Any]:
        path = config.SEEDS_DIR / f"{table.removeprefix(SEED_PREFIX)}.csv"
        if not path.exists():
            self.missing.add(table)
            return []
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if rows and column not in rows[0]:
            self.missing.add(table)
            return []
        values: list[Any] = []
        for row in rows:
            if where is not None and row.get(where[0]) != where[1]:
                continue
            value = (row.get(column) or "").strip()
            if value and value not in values:
                values.append(value)
        return values


def plain(value: Any) -> Any:
    """DuckDB's, numpy's and pandas' scalars → plain, JSON-friendly Python values; a
    timestamp at midnight → its date."""
    pd = sys.modules.get("pandas")  # pandas values only come from GX's frames
    if value is None or (pd is not None and (value is pd.NaT or value is pd.NA)):
        return None
    if pd is not None and isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def sample_rows(failing: list[dict[str, Any]], key: str, column: str) -> list[dict[str, Any]]:
    """Failing rows (in the table's order) → ``[{key: .., column: ..}]``, distinct, at most
    ``SAMPLE_SIZE``."""
    sample: list[dict[str, Any]] = []
    for row in failing:
        item = {key: plain(row.get(key))}
        if column != key:
            item[column] = plain(row.get(column))
        if item not in sample:
            sample.append(item)
        if len(sample) >= config.SAMPLE_SIZE:
            break
    return sample


def not_evaluated(spec: ExpectationSpec, message: str) -> ExpectationOutcome:
    return ExpectationOutcome(
        spec.name, spec.severity, False, 0, [], f'could not evaluate "{spec.rule}": {message}'
    )


def row_outcome(
    spec: ExpectationSpec,
    passed: bool,
    count: int,
    sample: list[dict[str, Any]],
    row_count: int,
    missing_refs: set[str],
) -> ExpectationOutcome:
    """A row rule's outcome: ``count`` of the ``row_count`` rows judged failed it."""
    if passed:
        details = f'all {row_count} rows meet "{spec.rule}"'
    else:
        details = f'{count} of {row_count} rows failed "{spec.rule}"'
        if spec.reference and spec.reference.rsplit(".", 1)[0] in missing_refs:
            details += f" ({spec.reference.rsplit('.', 1)[0]} is not loaded)"
    return ExpectationOutcome(spec.name, spec.severity, passed, count, sample, details)


def aggregate_outcome(spec: ExpectationSpec, observed: Any, passed: bool) -> ExpectationOutcome:
    """An aggregate rule's outcome (the newest date): no failing rows, the observed value."""
    observed = plain(observed)
    verdict = "meets" if passed else "fails"
    sample = [] if passed else [{spec.column: observed}]
    details = f'observed {observed}: {verdict} "{spec.rule}"'
    return ExpectationOutcome(spec.name, spec.severity, passed, 0, sample, details)
