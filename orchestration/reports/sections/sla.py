"""SLA: attainment by priority, the breached tickets of the top priority, and those
tickets counted per project (a risk)."""

from __future__ import annotations

from typing import Any

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import (
    PROJECT_REGIONS,
    REGION_PROJECTS,
    Ctx,
    section,
)


def priority_rank(ctx: Ctx) -> dict[str, int]:
    """Priority names are the site's own ('Highest', 'P1', 'Blocker'…, DOMAIN §3/§6), so
    the top priority is the one the SLA policies treat most urgently: the smallest
    resolution goal (then first-response goal) among the clocks; name breaks a tie."""
    rows = ctx.rows(
        """
        select priority
        from marts.fct_sla_clocks
        group by priority
        order by min(goal_business_hours) filter (where metric = 'resolution') nulls last,
            min(goal_business_hours) filter (where metric = 'first_response') nulls last,
            priority
        """
    )
    return {r[0]: i for i, r in enumerate(rows)}


def _sla_region_notes(ctx: Ctx) -> tuple[str, ...]:
    if not ctx.region:
        return ()
    left_out = ctx.rows(
        f"""
        select string_agg(distinct project_key, ', ' order by project_key),
            sum(met_count + breached_count)
        from marts.mart_sla_attainment_monthly
        where month_start between $q_start and $q_end
            and project_key not in (select project_key from ({PROJECT_REGIONS}))
        """
    )[0]
    notes = ctx.region_note(
        "tickets of Jira projects whose engagement's customer is in this region"
    )
    if left_out[0]:
        notes += (
            f"{left_out[1]} tickets of projects with no region ({left_out[0]}: internal, "
            "support or pre-sales) are left out",
        )
    return notes


def sla_attainment(ctx: Ctx) -> Section:
    """met / (met + breached) over the quarter's months, sums first (DOMAIN §3)."""
    rows = ctx.rows(
        f"""
        select priority, metric, sum(met_count), sum(breached_count),
            sum(met_count) / nullif(sum(met_count) + sum(breached_count), 0)
        from marts.mart_sla_attainment_monthly
        where month_start between $q_start and $q_end
            and ($region is null or project_key in ({REGION_PROJECTS}))
        group by priority, metric
        """
    )
    rank = priority_rank(ctx)
    rows.sort(key=lambda r: (rank.get(r[0], len(rank)), r[0], r[1]))
    rows = [(p, m, a, met, br) for p, m, met, br, a in rows]
    notes = (f"{ctx.quarter} to date (as of {ctx.as_of})",) if ctx.in_progress else ()
    return section(
        "sla_attainment",
        "SLA",
        "SLA attainment by priority",
        "Share of tickets whose SLA clock met its goal, per priority and metric "
        "(first response, resolution), over the quarter's months.",
        [
            ("priority", "text"),
            ("metric", "text"),
            ("attainment", "pct"),
            ("met", "int"),
            ("breached", "int"),
        ],
        rows,
        chart=Chart("grouped_bar", x="priority", y="attainment", series="metric", unit="pct"),
        empty=f"No SLA clocks for {ctx.where}",
        notes=notes + _sla_region_notes(ctx),
    )


def breached_top(ctx: Ctx, top: str | None) -> list[tuple[Any, ...]]:
    """Breached clocks of the top priority stopped in the quarter (running breached clocks
    count in the as-of month, as in mart_sla_attainment_monthly)."""
    return ctx.rows(
        f"""
        select s.issue_key, s.project_key, s.metric, s.goal_business_hours,
            s.elapsed_business_hours, s.started_at, s.stopped_at,
            case when s.is_running then 'running' else 'stopped' end,
            coalesce(pr.region, '(none)')
        from marts.fct_sla_clocks as s
        left join ({PROJECT_REGIONS}) as pr on pr.project_key = s.project_key
        where s.priority = $top and s.sla_status = 'breached'
            and s.stop_month between $q_start and $q_end
            and ($region is null or s.project_key in ({REGION_PROJECTS}))
        order by s.started_at, s.issue_key, s.metric
        """,
        top=top,
    )


def sla_breached_p1(ctx: Ctx, top: str | None, breached: list[tuple[Any, ...]]) -> Section:
    return section(
        "sla_breached_p1",
        "SLA",
        f"Breached {top or 'top-priority'} tickets",
        f"Every {top or 'top-priority'} ticket whose SLA clock broke its goal in the "
        "quarter (business hours).",
        [
            ("issue", "text"),
            ("project", "text"),
            ("metric", "text"),
            ("goal hours", "hours"),
            ("elapsed hours", "hours"),
            ("started", "date"),
            ("stopped", "date"),
            ("clock", "text"),
        ],
        [r[:8] for r in breached],
        empty=f"No breached {top or 'top-priority'} tickets in {ctx.where}",
        notes=_sla_region_notes(ctx) if ctx.region else (),
    )


def risk_p1(ctx: Ctx, top: str | None, breached: list[tuple[Any, ...]]) -> Section:
    """Breached top-priority tickets (section sla_breached_p1's rows) counted per project."""
    counts: dict[tuple[str, str, str], int] = {}
    for issue in breached:
        key = (issue[1], issue[8], issue[2])  # project, region, metric
        counts[key] = counts.get(key, 0) + 1
    rows = [(*key, n) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return section(
        "risk_p1",
        "Risks",
        f"Breached {top or 'top-priority'} tickets by project",
        f"How many {top or 'top-priority'} tickets broke their SLA in the quarter, per "
        "project and metric.",
        [("project", "text"), ("region", "text"), ("metric", "text"), ("breached", "int")],
        rows,
        chart=Chart("barh", x="project", y="breached", series="metric", unit="number"),
        empty=f"No breached {top or 'top-priority'} tickets in {ctx.where}",
        notes=ctx.region_note("projects of this region's engagements"),
    )
