"""What ``psops status`` and ``psops marts`` show: the last load of each source (from
``raw._ingest_state``), its freshness, the open quarantine, the last publish (from
``analytics.duckdb`` ``marts._publish_log``) and the published marts.  Read-only queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

# the same windows as the raw assets' freshness policy (orchestration/defs/assets/ingest.py):
# the hourly refresh loads every source, so warn after one missed hour, fail after two
FRESH_WARN = timedelta(hours=1)
FRESH_FAIL = timedelta(hours=2)


@dataclass(frozen=True)
class StreamState:
    source: str
    stream: str
    cursor: str | None
    updated_at: datetime | None
    rows: int


@dataclass(frozen=True)
class SourceStatus:
    source: str
    streams: list[StreamState]
    last_load: datetime | None
    rows: int

    def age(self, reference: datetime) -> timedelta | None:
        return None if self.last_load is None else reference - self.last_load

    def freshness(self, reference: datetime) -> str:
        """``fresh`` / ``warn`` / ``STALE`` by how long ago the source last loaded."""
        age = self.age(reference)
        if age is None or age > FRESH_FAIL:
            return "STALE"
        return "warn" if age > FRESH_WARN else "fresh"


@dataclass(frozen=True)
class PublishStatus:
    run_id: str
    as_of: date
    published_at: datetime
    check_summary: str
    marts: int
    rows: int


def connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def source_status(con: duckdb.DuckDBPyConnection) -> list[SourceStatus]:
    """Every source with its streams (cursor, last update, rows loaded), by source name."""
    if not _has_table(con, "raw", "_ingest_state"):
        return []
    rows = con.execute(
        """SELECT source, stream, cursor_value, updated_at, coalesce(rows_loaded, 0)
           FROM raw._ingest_state ORDER BY source, stream"""
    ).fetchall()
    by_source: dict[str, list[StreamState]] = {}
    for row in rows:
        by_source.setdefault(row[0], []).append(StreamState(*row))
    return [
        SourceStatus(
            source=source,
            streams=streams,
            last_load=max((s.updated_at for s in streams if s.updated_at), default=None),
            rows=sum(s.rows for s in streams),
        )
        for source, streams in by_source.items()
    ]


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(open, total) records in ``raw._quarantine``; open = not resolved since."""
    if not _has_table(con, "raw", "_quarantine"):
        return 0, 0
    row = con.execute(
        "SELECT count(*) FILTER (WHERE resolved_at IS NULL), count(*) FROM raw._quarantine"
    ).fetchone()
    return int(row[0]), int(row[1])


def last_publish(con: duckdb.DuckDBPyConnection) -> PublishStatus | None:
    """The publish that made this ``analytics.duckdb`` (its ``marts._publish_log``)."""
    if not _has_table(con, "marts", "_publish_log"):
        return None
    row = con.execute(
        """SELECT run_id, as_of_date, published_at, any_value(check_summary),
                  count(*), sum(row_count)
           FROM marts._publish_log GROUP BY ALL ORDER BY published_at DESC LIMIT 1"""
    ).fetchone()
    return None if row is None else PublishStatus(*row[:4], int(row[4]), int(row[5] or 0))


def published_marts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(mart, row count) of every table in ``marts`` (the ``_``-prefixed log excluded)."""
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1"
    ).fetchall()
    return [
        (table, con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone()[0])
        for (table,) in tables
    ]


def format_age(age: timedelta | None) -> str:
    """``2d 3h``, ``3h 05m``, ``12m``; ``never`` when nothing loaded; ``after as-of`` when
    the load is later than the reference time (an as-of date in the past)."""
    if age is None:
        return "never"
    if age < timedelta(0):
        return "after as-of"
    minutes = int(age.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def reference_time(as_of: date | None, now: datetime) -> datetime:
    """What freshness is measured against: now, or the end of ``PSOPS_AS_OF``'s day when
    that is earlier (a replayed past)."""
    if as_of is None:
        return now
    return min(now, datetime.combine(as_of + timedelta(days=1), datetime.min.time()))


def org_utilization_last_month(
    con: duckdb.DuckDBPyConnection, as_of: date
) -> tuple[date, float | None] | None:
    """(month, org billable utilization) of the last full month before ``as_of``, from
    ``mart_utilization_monthly`` (grain ``org``); None when the mart has no such month."""
    return con.execute(
        """SELECT month_start, billable_utilization FROM marts.mart_utilization_monthly
           WHERE grain = 'org'
             AND month_start = date_trunc('month', ?::date) - INTERVAL 1 MONTH""",
        [as_of],
    ).fetchone()


def revenue_forecast_next_quarter(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, float]]:
    """(quarter, layer, amount) of the quarter after the as-of quarter, from
    ``mart_revenue_forecast``, by layer."""
    return con.execute(
        """SELECT quarter, layer, sum(amount) FROM marts.mart_revenue_forecast
           WHERE quarter = (SELECT min(quarter) FROM marts.mart_revenue_forecast
                            WHERE month_start >= date_trunc('quarter', as_of_date)
                                  + INTERVAL 3 MONTH)
           GROUP BY ALL ORDER BY 2"""
    ).fetchall()


def current_scorecard(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(objective, kr_id, description, actual, target, score, status) of the current
    quarter's key results, from ``mart_sokr_scorecard``."""
    return con.execute(
        """SELECT objective, kr_id, description, actual, target, score, status
           FROM marts.mart_sokr_scorecard WHERE NOT is_closed_quarter
           ORDER BY objective_id, kr_id"""
    ).fetchall()


def quarter_of(day: date) -> tuple[str, date]:
    """(``2026-Q4``, its first day) of the quarter holding ``day``."""
    q = (day.month - 1) // 3 + 1
    return f"{day.year}-Q{q}", date(day.year, 3 * q - 2, 1)


def coverage_gaps_by_segment(con: duckdb.DuckDBPyConnection, as_of: date) -> list[tuple] | None:
    """(segment, required_fte, delivery_fte, fte_gap, coverage_ratio) of ``as_of``'s quarter
    from ``mart_coverage_quarterly`` (grain ``segment``), largest gap first; None when the
    mart is not in the warehouse."""
    if not _has_table(con, "marts", "mart_coverage_quarterly"):
        return None
    return con.execute(
        """SELECT segment, required_fte, delivery_fte, fte_gap, coverage_ratio
           FROM marts.mart_coverage_quarterly WHERE grain = 'segment' AND quarter = ?
           ORDER BY fte_gap DESC NULLS LAST, segment""",
        [quarter_of(as_of)[0]],
    ).fetchall()


@dataclass(frozen=True)
class Turnaround:
    """Pre-sales scoping over one period: requests opened, median / p90 business hours to
    scope, scoping SLA attainment (a share)."""

    period: str
    requests: int
    median_hours: float | None
    p90_hours: float | None
    sla_attainment: float | None


def presales_turnaround(con: duckdb.DuckDBPyConnection, as_of: date) -> list[Turnaround] | None:
    """The latest full month before ``as_of`` (``mart_presales_monthly``, grain ``all``) and
    the quarter to date from ``fct_presales_requests``, counted as the monthly mart counts:
    requests opened since the quarter began; hours to scope of those scoped since; SLA
    attainment over those scoped since and those still unscoped but already breached.
    None when the monthly mart is not in the warehouse."""
    if not _has_table(con, "marts", "mart_presales_monthly"):
        return None
    periods: list[Turnaround] = []
    month = con.execute(
        """SELECT month, requests_opened, median_hours_to_scope, p90_hours_to_scope,
                  scoping_sla_attainment
           FROM marts.mart_presales_monthly
           WHERE grain = 'all' AND month = date_trunc('month', ?::date) - INTERVAL 1 MONTH""",
        [as_of],
    ).fetchone()
    if month is not None:
        periods.append(Turnaround(f"{month[0]:%B %Y}", int(month[1] or 0), *month[2:]))
    quarter, start = quarter_of(as_of)
    if _has_table(con, "marts", "fct_presales_requests"):
        qtd = con.execute(
            """SELECT count(*) FILTER (WHERE requested_at::date BETWEEN ? AND ?),
                      median(business_hours_to_scope)
                          FILTER (WHERE scoped_at::date BETWEEN ? AND ?),
                      quantile_cont(business_hours_to_scope, 0.9)
                          FILTER (WHERE scoped_at::date BETWEEN ? AND ?),
                      avg(CASE WHEN sla_met THEN 1.0 ELSE 0.0 END)
                          FILTER (WHERE sla_met IS NOT NULL
                                  AND (scoped_at::date BETWEEN ? AND ? OR scoped_at IS NULL))
               FROM marts.fct_presales_requests""",
            [start, as_of] * 4,
        ).fetchone()
        periods.append(Turnaround(f"{quarter} to date", int(qtd[0] or 0), *qtd[1:]))
    return periods
