"""raw._quarantine keeps one row per bad record and reason, and notes when it loaded."""

from __future__ import annotations

from datetime import datetime

import duckdb

from sources.common.loader import ensure_raw_schema
from sources.common.raw_tables import RawTable, non_negative
from sources.common.raw_writes import TableStats, write_table

TABLE = RawTable(
    "kantata",
    "time_entries",
    [("id", "VARCHAR"), ("hours", "DOUBLE")],
    validators=(non_negative("hours"),),
)
DAY1, DAY2, DAY3 = datetime(2026, 10, 1), datetime(2026, 10, 2), datetime(2026, 10, 3)


def _load(con, records, at) -> TableStats:
    stats = TableStats(TABLE.qualified_name)
    write_table(con, TABLE, records, stats, at)
    return stats


def _quarantine(con) -> list[tuple]:
    return con.execute(
        "SELECT record_id, reason, quarantined_at, last_seen_at, resolved_at "
        "FROM raw._quarantine ORDER BY ALL"
    ).fetchall()


def test_the_same_bad_record_loaded_twice_keeps_one_row_with_first_and_last_seen() -> None:
    con = duckdb.connect()
    ensure_raw_schema(con, [TABLE])
    bad = [{"id": "7", "hours": -2}, {"hours": "x"}]

    _load(con, bad, DAY1)
    stats = _load(con, bad, DAY2)

    assert stats.quarantined == 2
    assert _quarantine(con) == [
        ("7", "hours is negative (-2.0)", DAY1, DAY2, None),
        (None, "hours: cannot read 'x' as DOUBLE", DAY1, DAY2, None),
    ]


def test_a_record_that_later_loads_fine_is_marked_resolved() -> None:
    con = duckdb.connect()
    ensure_raw_schema(con, [TABLE])
    _load(con, [{"id": "7", "hours": -2}], DAY1)

    _load(con, [{"id": "7", "hours": 2, "brand_new_field": "kept"}], DAY3)

    assert _quarantine(con) == [("7", "hours is negative (-2.0)", DAY1, DAY1, DAY3)]
    assert con.execute(
        "SELECT hours, _raw_json->>'brand_new_field' FROM raw_kantata.time_entries"
    ).fetchall() == [(2.0, "kept")]
