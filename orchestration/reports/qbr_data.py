"""The QBR pack (DESIGN.md "Reports") from the published ``analytics.duckdb`` only (schema
``marts``, opened read-only): every value in a section's table is a value a query on that
file returns, so the pack can be checked against it.

One small function per section, in ``orchestration/reports/sections/`` by chapter.  Every
section is about the pack's quarter and, with ``region``, that region only; how each
section applies the region is said in its ``notes``.  A section with nothing to show sets
``empty`` (the renderer says it instead of drawing).

Sections (``Section.key``), in order: headline, utilization_billable,
utilization_productive, sla_attainment, sla_breached_p1, revenue_vs_forecast,
revenue_next_quarters, bookings, forecast_accuracy, capacity, capacity_gap, risk_krs,
risk_p1, risk_budget, risk_hygiene, coverage, partner_share, presales, timesheets (their
marts missing: "Not yet available"); footer: freshness, checks, checks_failed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.reports.model import Cover, Pack
from orchestration.reports.sections.capacity import capacity, capacity_gap
from orchestration.reports.sections.context import (
    Ctx,
    ReportInputError,
    check_region,
    has_table,
    parse_quarter,
    quarter_bounds,
    quarter_of,
)
from orchestration.reports.sections.coverage import coverage, partner_share
from orchestration.reports.sections.footer import checks, checks_failed, freshness
from orchestration.reports.sections.forecast import (
    bookings,
    forecast_accuracy,
    revenue_next_quarters,
    revenue_vs_forecast,
)
from orchestration.reports.sections.presales import presales
from orchestration.reports.sections.risks import risk_budget, risk_hygiene
from orchestration.reports.sections.scorecard import headline, risk_krs
from orchestration.reports.sections.sla import (
    breached_top,
    priority_rank,
    risk_p1,
    sla_attainment,
    sla_breached_p1,
)
from orchestration.reports.sections.timesheets import timesheets
from orchestration.reports.sections.utilization import utilization

__all__ = ["NothingPublished", "ReportInputError", "build_pack"]


class NothingPublished(Exception):
    """No published ``analytics.duckdb`` (or no publish recorded in it)."""


def _cover(con: duckdb.DuckDBPyConnection, path: Path) -> Cover:
    nothing = NothingPublished(
        f"nothing is published yet at {path}: run `psops refresh` (or `psops demo`) first"
    )
    if not has_table(con, "_publish_log"):
        raise nothing
    row = con.execute(
        "select run_id, as_of_date, published_at, check_summary "
        "from marts._publish_log order by published_at desc limit 1"
    ).fetchone()
    if row is None:
        raise nothing
    return Cover(run_id=row[0], as_of=row[1], published_at=row[2], check_summary=row[3])


def build_pack(analytics_db: Path, quarter: str | None = None, region: str | None = None) -> Pack:
    """The QBR pack of ``quarter`` (default: the quarter of the last publish's as-of date),
    for ``region`` or every region, from the published ``analytics_db``."""
    analytics_db = Path(analytics_db)
    if not analytics_db.is_file():
        raise NothingPublished(
            f"nothing is published yet at {analytics_db}: run `psops refresh` "
            "(or `psops demo`) first"
        )
    if quarter is not None:
        parse_quarter(quarter)
    con = duckdb.connect(str(analytics_db), read_only=True)
    try:
        cover = _cover(con, analytics_db)
        quarter = quarter.strip() if quarter else quarter_of(cover.as_of)
        q_start, q_end = quarter_bounds(*parse_quarter(quarter))
        ctx = Ctx(
            con=con,
            quarter=quarter,
            q_start=q_start,
            q_end=q_end,
            as_of=cover.as_of,
            run_id=cover.run_id,
            region=check_region(con, region),
        )
        top = next(iter(priority_rank(ctx)), None)  # the most urgent priority
        breached = breached_top(ctx, top)
        sections = (
            headline(ctx),
            utilization(ctx, "billable_utilization"),
            utilization(ctx, "productive_utilization"),
            sla_attainment(ctx),
            sla_breached_p1(ctx, top, breached),
            revenue_vs_forecast(ctx),
            revenue_next_quarters(ctx),
            bookings(ctx),
            forecast_accuracy(ctx),
            capacity(ctx),
            capacity_gap(ctx),
            risk_krs(ctx),
            risk_p1(ctx, top, breached),
            risk_budget(ctx),
            risk_hygiene(ctx),
            coverage(ctx),
            partner_share(ctx),
            presales(ctx),
            timesheets(ctx),
        )
        footer = (freshness(ctx), checks(ctx), checks_failed(ctx))
    finally:
        con.close()
    title = f"PS QBR pack — {quarter}" + (f" — {ctx.region}" if ctx.region else "")
    return Pack(
        title=title,
        quarter=quarter,
        region=ctx.region,
        cover=cover,
        sections=sections,
        footer=footer,
    )
