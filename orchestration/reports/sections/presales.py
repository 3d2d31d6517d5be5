"""Pre-sales scoping turnaround (DOMAIN §10): the monthly trend of business hours from a
scoping request to a delivered scope, and the scoping SLA."""

from __future__ import annotations

from datetime import date

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import Ctx, section
from orchestration.reports.sections.not_yet import not_yet

PRESALES_MART = "mart_presales_monthly"
TREND_MONTHS = 6


def presales(ctx: Ctx) -> Section:
    """``TREND_MONTHS`` months of ``mart_presales_monthly`` ending at the quarter's last
    month (or the as-of month while the quarter is in progress): grain 'all' (a region
    pack: grain 'region' of its region).  Empty when the quarter itself has no row."""
    missing = not_yet(ctx, "pre-sales scoping turnaround", PRESALES_MART)
    end = ctx.as_of.replace(day=1) if ctx.in_progress else ctx.months[-1]
    index = end.year * 12 + end.month - 1 - (TREND_MONTHS - 1)
    start = date(index // 12, index % 12 + 1, 1)
    rows = (
        []
        if missing
        else ctx.rows(
            f"""
            select month, requests_opened, requests_scoped, median_hours_to_scope,
                p90_hours_to_scope, scoping_sla_attainment
            from marts.{PRESALES_MART}
            where month between $start and $end
                and (($region is null and grain = 'all')
                    or (grain = 'region' and region = $region))
            order by month
            """,
            start=start,
            end=end,
        )
    )
    if not any(ctx.q_start <= r[0] <= ctx.q_end for r in rows):
        rows = []
    partial = [r[0] for r in rows if ctx.in_progress and r[0] == end]
    notes = tuple(f"{m:%Y-%m} is month to date (as of {ctx.as_of})" for m in partial)
    notes += ctx.region_note(f"this region's rows of {PRESALES_MART} (grain 'region')")
    return section(
        "presales",
        "Pre-sales",
        "Pre-sales scoping turnaround",
        f"Requests opened and scoped per month over {TREND_MONTHS} months, business hours "
        "to scope (median, 90th percentile) and the share scoped within the SLA.",
        [
            ("month", "date"),
            ("requests opened", "int"),
            ("requests scoped", "int"),
            ("median hours to scope", "hours"),
            ("p90 hours to scope", "hours"),
            ("scoping SLA attainment", "pct"),
        ],
        rows,
        chart=Chart("line", x="month", y="median hours to scope", unit="hours"),
        empty=missing or f"No pre-sales scoping requests for {ctx.where}",
        notes=notes,
    )
