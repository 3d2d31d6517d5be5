"""What every step of ``sandbox advance`` uses: the open dataset, the new days, a seeded
random generator, the records it must not touch (``_bad_records``), and the per-table
counts of new, updated and deleted rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from sources.sandbox.bad_records import BAD_RECORDS_TABLE
from sources.sandbox.generate import day_number

Counts = dict[str, dict[str, int]]


class AdvanceBase:
    """The dataset being advanced and the helpers its steps share."""

    def __init__(self, con: duckdb.DuckDBPyConnection, start: date, days: int, seed: int):
        self.con = con
        self.start = start
        self.days = [start + timedelta(days=i) for i in range(days)]
        self.rng = np.random.default_rng([seed, day_number(start), days])
        self.counts: Counts = {}
        self.protected = self._protected()

    # -- helpers -----------------------------------------------------------------------
    def _protected(self) -> set[str]:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [BAD_RECORDS_TABLE],
        ).fetchall()[0][0]
        if not found:
            return set()
        return {row[0] for row in self.sql(f"SELECT id FROM {BAD_RECORDS_TABLE}")}

    def sql(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        """Run a statement and read its whole result (DuckDB wants every result consumed)."""
        return self.con.execute(sql, params or []).fetchall()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        result = self.con.execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def pick(self, candidates: list[dict[str, Any]], n: int, key: str = "id") -> list[dict]:
        allowed = [row for row in candidates if str(row[key]) not in self.protected]
        if not allowed or n <= 0:
            return []
        chosen = self.rng.choice(len(allowed), size=min(n, len(allowed)), replace=False)
        return [allowed[int(i)] for i in sorted(chosen)]

    def moment(self, day: date, earliest: int = 6 * 3600, latest: int = 23 * 3600) -> datetime:
        """A random second of ``day`` between ``earliest`` and ``latest`` (UTC)."""
        second = int(self.rng.integers(earliest, latest))
        return datetime.combine(day, time()) + timedelta(seconds=second)

    def any_moment(self) -> datetime:
        return self.moment(self.days[int(self.rng.integers(len(self.days)))])

    def next_id(self, table: str, column: str = "id") -> Iterator[int]:
        top = self.con.execute(f'SELECT max(CAST("{column}" AS BIGINT)) FROM {table}').fetchall()[0]
        n = int(top[0] or 0)
        while True:
            n += 1
            yield n

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        frame = pd.DataFrame(rows)
        self.con.register("_advance_rows", frame)
        try:
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _advance_rows").fetchall()
        finally:
            self.con.unregister("_advance_rows")

    def count(self, table: str, new: int = 0, updated: int = 0, deleted: int = 0) -> None:
        entry = self.counts.setdefault(table, {"new": 0, "updated": 0, "deleted": 0})
        entry["new"] += new
        entry["updated"] += updated
        entry["deleted"] += deleted

    def _delete(self, table: str, column: str, ids: list[str]) -> int:
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        return self.sql(f'DELETE FROM {table} WHERE "{column}" IN ({marks})', ids)[0][0]
