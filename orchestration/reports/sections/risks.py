"""Risks from delivery and data: engagements over budget, and the latest refresh's
hygiene findings."""

from __future__ import annotations

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import (
    REGION_PROJECTS,
    Ctx,
    section,
    snapshot_applies,
    snapshot_message,
)

BUDGET_TOP = 10


def risk_budget(ctx: Ctx) -> Section:
    """Budgeted engagements that logged hours in the quarter and whose hours to the
    quarter's end (fct_time_entries counting toward utilization: rejected entries count
    nowhere, DOMAIN §2) exceed their budgeted hours; the 10 largest overruns."""
    over = ctx.rows(
        """
        with hours as (
            select engagement_id, sum(hours) as to_date,
                sum(hours) filter (where date_day >= $q_start) as in_quarter
            from marts.fct_time_entries
            where counts_toward_utilization and date_day <= $q_end
            group by engagement_id
        )
        select e.engagement_name, c.customer_name, c.region, e.budgeted_hours, h.to_date,
            h.to_date - e.budgeted_hours, (h.to_date - e.budgeted_hours) / e.budgeted_hours
        from marts.dim_engagement as e
        inner join hours as h on h.engagement_id = e.engagement_id
        left join marts.dim_customer as c on c.customer_key = e.customer_key
        where e.is_budgeted and e.budgeted_hours > 0 and h.in_quarter > 0
            and h.to_date > e.budgeted_hours
            and ($region is null or c.region = $region)
        order by h.to_date - e.budgeted_hours desc, e.engagement_name
        """
    )
    notes: tuple[str, ...] = ()
    if len(over) > BUDGET_TOP:
        notes = (f"{len(over)} engagements are over budget; the {BUDGET_TOP} largest shown",)
    return section(
        "risk_budget",
        "Risks",
        "Engagements over budget",
        f"Engagements active in the quarter whose hours logged to {ctx.q_end} exceed their "
        "budgeted hours (largest overruns first).",
        [
            ("engagement", "text"),
            ("customer", "text"),
            ("region", "text"),
            ("budgeted hours", "hours"),
            ("hours logged", "hours"),
            ("overrun hours", "hours"),
            ("overrun", "pct"),
        ],
        over[:BUDGET_TOP],
        chart=Chart("barh", x="engagement", y="overrun hours", unit="hours"),
        empty=f"No engagement over budget in {ctx.where}",
        notes=notes + ctx.region_note("engagements of this region's customers"),
    )


def risk_hygiene(ctx: Ctx) -> Section:
    """Findings of the latest refresh (current state, like the capacity forecast):
    unmatched identities by source and reason, tickets without an SLA policy by reason.
    Region pack: tickets of the region's projects; identities are org-wide (a record that
    matched no person has no region)."""
    if snapshot_applies(ctx, ctx.as_of):
        rows = ctx.rows(
            f"""
            select 'unmatched identity', source, reason, count(*)
            from marts.dq_unmatched_identities
            group by source, reason
            union all
            select 'ticket without SLA policy', 'jira', missing_reason, count(*)
            from marts.dq_tickets_without_policy
            where $region is null or project_key in ({REGION_PROJECTS})
            group by missing_reason
            order by 1 desc, 2, 3
            """
        )
        refresh, empty = f"the refresh of {ctx.as_of}", "No hygiene findings in the latest refresh"
        notes = ctx.region_note(
            "tickets of this region's projects; unmatched identities are org-wide (not "
            "attributable to a region)"
        )
    else:
        rows, refresh, notes = [], "a refresh", ()
        empty = snapshot_message(ctx, "Hygiene findings are", ctx.as_of)
    return section(
        "risk_hygiene",
        "Risks",
        "Hygiene findings",
        f"Records {refresh} could not match or classify, by source and reason.",
        [("finding", "text"), ("source", "text"), ("reason", "text"), ("records", "int")],
        rows,
        chart=Chart("barh", x="reason", y="records", series="source", unit="number"),
        empty=empty,
        notes=notes,
    )
