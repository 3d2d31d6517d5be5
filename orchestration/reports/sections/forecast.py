"""Revenue and bookings: actual vs the forecast a quarter earlier, the next two quarters'
forecast by layer, bookings and weighted pipeline, and the forecast's accuracy."""

from __future__ import annotations

from datetime import date
from typing import Any

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import (
    Ctx,
    parse_quarter,
    quarter_bounds,
    section,
    shift_quarter,
)

LAYERS = ("actual", "scheduled", "unscheduled_backlog", "weighted_pipeline")  # DOMAIN §4
CATEGORIES = ("Closed", "Commit", "Best Case", "Pipeline", "Omitted")  # SFDC forecast order


def revenue_vs_forecast(ctx: Ctx) -> Section:
    """The quarter's actual revenue per month (mart_metric_values 'revenue_actual') against
    the forecast psops made for it "a quarter earlier".  DOMAIN §4 does not define that
    point, so: the latest snapshot of fct_revenue_forecast_history taken on or before the
    first day of the previous quarter (for 2026-Q4: on or before 2026-07-01), i.e. what
    was known when the quarter before began.  Forecast = all four layers (they add up)."""
    prev_start = quarter_bounds(*parse_quarter(shift_quarter(ctx.quarter, -1)))[0]
    snapshot = ctx.one(
        "select max(as_of_date) from marts.fct_revenue_forecast_history "
        "where as_of_date <= $prev_start",
        prev_start=prev_start,
    )
    notes = ctx.region_note("revenue and forecast of this region (their region column)")
    if snapshot is None:
        first = ctx.one("select min(as_of_date) from marts.fct_revenue_forecast_history")
        since = f"history starts {first}" if first else "no forecast history is kept yet"
        rows: list[tuple[Any, ...]] = []
        empty = f"No forecast snapshot from a quarter before {ctx.quarter} — {since}"
    else:
        rows = _actual_and_forecast(ctx, snapshot)
        empty = f"No revenue for {ctx.where}"
        if ctx.in_progress:
            notes = (f"actual to date (as of {ctx.as_of})",) + notes
    return section(
        "revenue_vs_forecast",
        "Revenue",
        "Revenue: actual vs the forecast a quarter earlier",
        "Revenue per month of the quarter: what was delivered against what psops "
        "forecast for it a quarter earlier (all layers).",
        [("month", "date"), ("measure", "text"), ("amount", "money")],
        rows,
        chart=Chart("grouped_bar", x="month", y="amount", series="measure", unit="money"),
        empty=empty,
        notes=notes,
    )


def _actual_and_forecast(ctx: Ctx, snapshot: date) -> list[tuple[Any, ...]]:
    """Per month of the quarter: the actual, then the forecast as of ``snapshot``."""
    forecast = ctx.rows(
        """
        select month_start, sum(amount)
        from marts.fct_revenue_forecast_history
        where as_of_date = $snapshot and month_start between $q_start and $q_end
            and ($region is null or region = $region)
        group by month_start
        """,
        snapshot=snapshot,
    )
    actual = ctx.rows(
        """
        select period_start, value
        from marts.mart_metric_values
        where metric = 'revenue_actual' and period_type = 'month'
            and as_of_date = (select max(as_of_date) from marts.mart_metric_values)
            and period_start between $q_start and $q_end
            and (($region is null and scope_type = 'org')
                or (scope_type = 'region' and scope_value = $region))
        """
    )
    label = f"forecast as of {snapshot}"
    return sorted(
        [(m, "actual", v) for m, v in actual] + [(m, label, v) for m, v in forecast],
        key=lambda r: (r[0], r[1] != "actual"),
    )


def revenue_next_quarters(ctx: Ctx) -> Section:
    """The two quarters after the pack's, by layer, from the latest forecast snapshot."""
    nxt = (shift_quarter(ctx.quarter, 1), shift_quarter(ctx.quarter, 2))
    snapshot = ctx.one("select max(as_of_date) from marts.mart_revenue_forecast")
    scope_sql = """
        from marts.mart_revenue_forecast
        where as_of_date = $snapshot and quarter in ($q1, $q2)
            and ($region is null or region = $region)
    """
    params = {"snapshot": snapshot, "q1": nxt[0], "q2": nxt[1]}
    rows = ctx.rows(
        f"select quarter, layer, sum(amount) {scope_sql} group by quarter, layer", **params
    )
    order = {layer: i for i, layer in enumerate(LAYERS)}
    rows.sort(key=lambda r: (r[0], order.get(r[1], len(order)), r[1]))
    months = ctx.rows(
        f"select quarter, count(distinct month_start) {scope_sql} group by quarter order by 1",
        **params,
    )
    notes = tuple(
        f"{q}: the forecast as of {snapshot} covers {n} of its 3 months" for q, n in months if n < 3
    )
    return section(
        "revenue_next_quarters",
        "Revenue",
        f"Revenue forecast: {nxt[0]} and {nxt[1]}",
        f"The next two quarters' revenue by layer (actual, scheduled, unscheduled backlog, "
        f"weighted pipeline), from the forecast as of {snapshot}.",
        [("quarter", "text"), ("layer", "text"), ("amount", "money")],
        rows,
        chart=Chart("stacked_bar", x="quarter", y="amount", series="layer", unit="money"),
        empty=f"No revenue forecast for {nxt[0]} or {nxt[1]}"
        + (f" ({ctx.region})" if ctx.region else ""),
        notes=notes + ctx.region_note("this region's forecast (region column)"),
    )


def bookings(ctx: Ctx) -> Section:
    """PS amount and weighted PS amount by forecast category of the opportunities closing
    in the quarter (latest snapshot).  Closed-lost opportunities are neither bookings nor
    pipeline: left out (counted in a note)."""
    base = """
        from marts.mart_bookings_forecast
        where as_of_date = (select max(as_of_date) from marts.mart_bookings_forecast)
            and quarter = $quarter and ($region is null or region = $region)
    """
    found = ctx.rows(
        f"""
        select forecast_category, sum(opportunity_count), sum(ps_amount),
            sum(weighted_ps_amount)
        {base} and not (is_closed and not is_won)
        group by forecast_category
        """
    )
    lost = ctx.one(
        f"select coalesce(sum(opportunity_count), 0) {base} and is_closed and not is_won"
    )
    order = {c: i for i, c in enumerate(CATEGORIES)}
    found.sort(key=lambda r: (order.get(r[0], len(order)), r[0]))
    rows = [
        row
        for c, n, ps, w in found
        for row in ((c, "PS amount", ps, n), (c, "weighted PS amount", w, n))
    ]
    notes = (f"{lost} closed-lost opportunities are left out",) if lost else ()
    return section(
        "bookings",
        "Bookings",
        "Bookings and weighted pipeline",
        "PS amount and probability-weighted PS amount of the opportunities closing in the "
        "quarter, by forecast category.",
        [
            ("forecast category", "text"),
            ("measure", "text"),
            ("amount", "money"),
            ("opportunities", "int"),
        ],
        rows,
        chart=Chart(
            "grouped_bar", x="forecast category", y="amount", series="measure", unit="money"
        ),
        empty=f"No bookings or pipeline closing in {ctx.where}",
        notes=notes + ctx.region_note("opportunities of this region's accounts"),
    )


def forecast_accuracy(ctx: Ctx) -> Section:
    """MAPE by horizon over the quarter's closed months: the mean APE of those months
    (mart_forecast_accuracy.ape; its `mape` column is over all months, not the quarter).
    Region 'All' in the all-regions pack, the region's own rows otherwise."""
    rows = ctx.rows(
        """
        select horizon_months, count(ape), avg(ape), avg(bias)
        from marts.mart_forecast_accuracy
        where as_of_date = (select max(as_of_date) from marts.mart_forecast_accuracy)
            and quarter = $quarter and region = coalesce($region, 'All')
        group by horizon_months
        having count(ape) > 0
        order by horizon_months
        """
    )
    if rows:
        empty = ""
    elif ctx.one("select count(*) from marts.mart_forecast_accuracy"):
        empty = f"No forecast accuracy for {ctx.where}"
    else:
        first = ctx.one("select min(as_of_date) from marts.fct_revenue_forecast_history")
        empty = (
            "No forecast accuracy yet: a month is scored once it has closed and psops kept "
            "a forecast of it 1–3 months before"
            + (f" (forecast history starts {first})" if first else "")
        )
    return section(
        "forecast_accuracy",
        "Forecast accuracy",
        "Revenue forecast accuracy (MAPE) by horizon",
        "Mean absolute percentage error of the revenue forecast made 1, 2 and 3 months "
        "before each closed month of the quarter.",
        [
            ("horizon (months)", "int"),
            ("months scored", "int"),
            ("MAPE", "pct"),
            ("mean bias", "pct"),
        ],
        rows,
        chart=Chart("bar", x="horizon (months)", y="MAPE", unit="pct"),
        empty=empty,
        notes=ctx.region_note("this region's rows (region column)"),
    )
