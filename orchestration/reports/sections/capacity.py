"""Capacity over the next 12 weeks, from the latest capacity forecast: supply vs demand
per week, and the FTE gap per role."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import (
    Ctx,
    section,
    snapshot_applies,
    snapshot_message,
)

# The rows a capacity section reads: the window's weeks of the snapshot, the pack's region.
_WINDOW = """
    from marts.mart_capacity_forecast
    where as_of_date = $snapshot and week_start >= $first and week_start < $end
        and ($region is null or region = $region)
"""


def _window_rows(ctx: Ctx, sql: str) -> tuple[list[tuple[Any, ...]], date | None, str]:
    """``sql`` (reading ``_WINDOW``) over the 12 weeks from the as-of week of the latest
    capacity forecast: (its rows, that snapshot, the message should there be no rows)."""
    snapshot = ctx.one("select max(as_of_date) from marts.mart_capacity_forecast")
    if snapshot is None:
        return [], None, "No capacity forecast is published"
    if not snapshot_applies(ctx, snapshot):
        return [], None, snapshot_message(ctx, "The capacity forecast is", snapshot)
    first = ctx.one(
        """
        select min(week_start) from marts.mart_capacity_forecast
        where as_of_date = $snapshot
            and week_start >= date_trunc('week', cast($snapshot as date))
        """,
        snapshot=snapshot,
    )
    if first is None:
        return [], None, f"No capacity forecast weeks after {snapshot}"
    rows = ctx.rows(sql, snapshot=snapshot, first=first, end=first + timedelta(weeks=12))
    return rows, snapshot, f"No capacity forecast for {ctx.region}"


def capacity(ctx: Ctx) -> Section:
    weekly, snapshot, message = _window_rows(
        ctx,
        f"""
        select week_start, sum(supply_hours), sum(demand_hours)
        {_WINDOW}
        group by week_start
        order by week_start
        """,
    )
    rows = [r for w, s, d in weekly for r in ((w, "supply", s), (w, "demand", d))]
    return section(
        "capacity",
        "Capacity",
        "Capacity vs demand, next 12 weeks",
        "Supply (available hours) against demand (allocated hours) per week, all delivery "
        "roles" + (f", from the capacity forecast as of {snapshot}." if snapshot else "."),
        [("week", "date"), ("measure", "text"), ("hours", "hours")],
        rows,
        chart=Chart("line", x="week", y="hours", series="measure", unit="hours"),
        empty=message,
        notes=ctx.region_note("this region's rows (region column)"),
    )


def capacity_gap(ctx: Ctx) -> Section:
    """Per role over the 12 weeks: FTE gap (DOMAIN §4) summed over regions each week, then
    its mean over the window's weeks (a week without the role counts 0) and its peak."""
    rows, _, message = _window_rows(
        ctx,
        f"""
        with weekly as (
            select week_start, role, sum(supply_hours) as supply,
                sum(demand_hours) as demand, sum(fte_gap) as gap
            {_WINDOW}
            group by week_start, role
        ),
        weeks as (select count(distinct week_start) as n from weekly)
        select role, sum(supply), sum(demand), sum(gap) / any_value(n), max(gap)
        from weekly, weeks
        group by role
        order by sum(gap) desc, role
        """,
    )
    return section(
        "capacity_gap",
        "Capacity",
        "FTE gap by role, next 12 weeks",
        "People short (+) or spare (−) per role: the weekly FTE gap averaged over the 12 "
        "weeks, with its worst week.",
        [
            ("role", "text"),
            ("supply hours", "hours"),
            ("demand hours", "hours"),
            ("mean weekly FTE gap", "fte"),
            ("peak weekly FTE gap", "fte"),
        ],
        rows,
        chart=Chart("barh", x="role", y="mean weekly FTE gap", unit="fte"),
        empty=message,
        notes=ctx.region_note("this region's rows (region column)"),
    )
