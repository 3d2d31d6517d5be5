"""What every section query shares: the pack's context (``Ctx``: connection, quarter,
publish, region), quarter and region parsing, the project → region SQL, ``section``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from orchestration.reports.model import Chart, Column, Format, Kpi, Section, Table, Value

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_PARAM = re.compile(r"\$(\w+)")


class ReportInputError(ValueError):
    """A bad ``--quarter`` or ``--region``."""


@dataclass(frozen=True)
class Ctx:
    con: duckdb.DuckDBPyConnection
    quarter: str  # "2026-Q4"
    q_start: date
    q_end: date  # the quarter's last day
    as_of: date  # the publish's as-of date
    run_id: str  # the publish's run
    region: str | None

    @property
    def months(self) -> tuple[date, ...]:
        return tuple(date(self.q_start.year, self.q_start.month + i, 1) for i in range(3))

    @property
    def in_progress(self) -> bool:
        return self.q_start <= self.as_of <= self.q_end

    @property
    def where(self) -> str:
        """'2026-Q4' or '2026-Q4 (EMEA)': for the empty messages."""
        return f"{self.quarter} ({self.region})" if self.region else self.quarter

    def rows(self, sql: str, **extra: Any) -> list[tuple[Any, ...]]:
        """Run ``sql`` with the named parameters it uses ($quarter, $q_start, $q_end,
        $as_of, $run_id, $region and ``extra``); values are never formatted into SQL."""
        known = {
            "quarter": self.quarter,
            "q_start": self.q_start,
            "q_end": self.q_end,
            "as_of": self.as_of,
            "run_id": self.run_id,
            "region": self.region,
            **extra,
        }
        params = {name: known[name] for name in set(_PARAM.findall(sql))}
        return self.con.execute(sql, params).fetchall()

    def one(self, sql: str, **extra: Any) -> Any:
        rows = self.rows(sql, **extra)
        return rows[0][0] if rows else None

    def region_note(self, how: str) -> tuple[str, ...]:
        return (f"{self.region} pack: {how}",) if self.region else ()


# ----------------------------------------------------------------------------- quarters, regions


def quarter_bounds(year: int, q: int) -> tuple[date, date]:
    start = date(year, 3 * q - 2, 1)
    nxt = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, nxt - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def shift_quarter(quarter: str, by: int) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    index = year * 4 + (q - 1) + by
    return f"{index // 4}-Q{index % 4 + 1}"


def parse_quarter(text: str) -> tuple[int, int]:
    match = _QUARTER.match(text.strip())
    if not match:
        raise ReportInputError(f"--quarter must look like 2026-Q3 (YYYY-Qn), got {text!r}")
    return int(match.group(1)), int(match.group(2))


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = $name",
        {"name": name},
    ).fetchone()
    return bool(found and found[0])


def _known_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select region from marts.mart_utilization_monthly where grain = 'region'
        union
        select region from marts.dim_customer
        """
    ).fetchall()
    return sorted(r[0] for r in rows if r[0] and r[0] != "All")


def check_region(con: duckdb.DuckDBPyConnection, region: str | None) -> str | None:
    if region is None:
        return None
    known = _known_regions(con)
    for name in known:
        if name.lower() == region.strip().lower():
            return name
    raise ReportInputError(
        f"--region {region!r} is not a region the marts know: {', '.join(known) or 'none'}"
    )


# The region of a Jira project: project → dim_engagement.jira_project_key → customer region.
# Projects with no engagement or no customer (internal, support, pre-sales) have none.
REGION_PROJECTS = """
    select e.jira_project_key
    from marts.dim_engagement as e
    inner join marts.dim_customer as c on c.customer_key = e.customer_key
    where e.jira_project_key is not null and c.region = $region
"""
PROJECT_REGIONS = """
    select e.jira_project_key as project_key,
        string_agg(distinct c.region, ', ' order by c.region) as region
    from marts.dim_engagement as e
    inner join marts.dim_customer as c on c.customer_key = e.customer_key
    where e.jira_project_key is not null and c.region is not null
    group by e.jira_project_key
"""


# ----------------------------------------------------------------------------- sections


def _table(columns: list[tuple[str, Format]], rows: list[tuple[Any, ...]]) -> Table:
    return Table(
        columns=tuple(Column(name, fmt) for name, fmt in columns),
        rows=tuple(tuple(row) for row in rows),
    )


def section(
    key: str,
    chapter: str,
    title: str,
    caption: str,
    columns: list[tuple[str, Format]],
    rows: list[tuple[Value, ...]],
    *,
    chart: Chart | None = None,
    empty: str,
    notes: tuple[str, ...] = (),
    kpis: tuple[Kpi, ...] = (),
) -> Section:
    """A section; with no rows it carries ``empty`` (and no chart) instead."""
    return Section(
        key=key,
        chapter=chapter,
        title=title,
        caption=caption,
        table=_table(columns, rows),
        chart=chart if rows else None,
        empty=None if rows else empty,
        notes=notes,
        kpis=kpis if rows else (),
    )


def snapshot_applies(ctx: Ctx, snapshot: date) -> bool:
    """Current-state data (the capacity forecast, hygiene findings) is kept only as of the
    latest refresh.  It belongs to the pack of the quarter it was taken in and to the pack
    of the quarter before (a QBR is held just after its quarter closes); never to older
    (or later) quarters, whose packs say so instead."""
    next_end = quarter_bounds(*parse_quarter(shift_quarter(ctx.quarter, 1)))[1]
    return ctx.q_start <= snapshot <= next_end


def snapshot_message(ctx: Ctx, what: str, snapshot: date) -> str:
    """``what``: 'The capacity forecast is' / 'Hygiene findings are'."""
    taken_in = quarter_of(snapshot)
    return (
        f"{what} kept only as of {snapshot} (the latest refresh): shown in the packs of "
        f"{taken_in} and {shift_quarter(taken_in, -1)}, not {ctx.quarter}"
    )
