"""Volume against the previous load: each raw table's live row count is compared with the
count recorded when the last refresh was published (``dq.raw_volumes`` in psops.duckdb).
A drop beyond ``VOLUME_DROP_ERROR_ABOVE`` is an error (a source lost data), a rise beyond
``VOLUME_RISE_WARN_ABOVE`` a warning.  Only published loads become the baseline, so a
blocked refresh never lowers the bar for the next one."""

from __future__ import annotations

from datetime import datetime

import duckdb

from checks import config
from checks.outcomes import ERROR, WARN, ExpectationOutcome, pct

VOLUME_TABLE = "dq.raw_volumes"
EXPECTATION = "row_count_vs_previous_load"


def ensure_volume_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {VOLUME_TABLE} (table_name VARCHAR, row_count BIGINT,
        run_id VARCHAR, recorded_at TIMESTAMP)"""
    )


def record_volumes(
    con: duckdb.DuckDBPyConnection, counts: dict[str, int], run_id: str, at: datetime
) -> None:
    """Store the live row count of each raw table as the next refresh's baseline."""
    ensure_volume_table(con)
    con.executemany(
        f"INSERT INTO {VOLUME_TABLE} VALUES (?, ?, ?, ?)",
        [(table, n, run_id, at) for table, n in counts.items()],
    )


def previous_load(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str] | None:
    """(row count, run id) of ``table`` at the last published load, or None."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dq' "
        "AND table_name = 'raw_volumes'"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(
        f"SELECT row_count, run_id FROM {VOLUME_TABLE} WHERE table_name = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        [table],
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def volume_outcome(
    con: duckdb.DuckDBPyConnection, table: str, live_rows: int
) -> ExpectationOutcome:
    previous = previous_load(con, table)
    if previous is None:
        return ExpectationOutcome(
            EXPECTATION, ERROR, True, 0, [], f"{live_rows} rows; no previous load to compare"
        )
    before, run_id = previous
    change = (live_rows - before) / before if before else 0.0
    what = f"{live_rows} rows against {before} at the last published load (run {run_id[:8]})"
    sample = [{"previous_rows": before, "rows": live_rows}]
    if max(before, live_rows) < config.VOLUME_MIN_ROWS:
        return ExpectationOutcome(EXPECTATION, ERROR, True, 0, [], f"{what}; too small to judge")
    if -change > config.VOLUME_DROP_ERROR_ABOVE:
        details = (
            f"{what}: {pct(-change)} fewer, above the {pct(config.VOLUME_DROP_ERROR_ABOVE)} "
            "drop limit"
        )
        return ExpectationOutcome(EXPECTATION, ERROR, False, before - live_rows, sample, details)
    if change > config.VOLUME_RISE_WARN_ABOVE:
        details = (
            f"{what}: {pct(change)} more, above the {pct(config.VOLUME_RISE_WARN_ABOVE)} rise limit"
        )
        return ExpectationOutcome(EXPECTATION, WARN, False, live_rows - before, sample, details)
    return ExpectationOutcome(EXPECTATION, ERROR, True, 0, [], f"{what}: within limits")
