"""The slots whose marts land with issue 14 (coverage, pre-sales, timesheets): each says
so instead of showing numbers."""

from __future__ import annotations

from orchestration.reports.model import Section
from orchestration.reports.sections.context import Ctx, section

NOT_YET = "Not yet available: {what} lands with the coverage marts"


# (key, chapter, title, caption, what lands, the marts' name prefix) — DOMAIN §9–§11
NOT_YET_SECTIONS = (
    (
        "coverage",
        "Coverage",
        "Coverage and partner share",
        "Active accounts per delivery FTE by segment and role, and delivery through partners.",
        "coverage and partner share",
        "mart_coverage",
    ),
    (
        "presales",
        "Pre-sales",
        "Pre-sales scoping turnaround",
        "Business hours from a scoping request to a delivered scope, and its SLA.",
        "pre-sales scoping turnaround",
        "mart_presales",
    ),
    (
        "timesheets",
        "Timesheets",
        "Timesheet compliance",
        "Share of due timesheets submitted on time, by region and team.",
        "timesheet compliance",
        "mart_timesheet",
    ),
)


def not_yet(ctx: Ctx, spec: tuple[str, str, str, str, str, str]) -> Section:
    """A slot whose marts land with issue 14: says so, never shows invented numbers."""
    # TODO(issue 14): fill from mart_coverage_quarterly / mart_partner_delivery_quarterly,
    # mart_presales_monthly and mart_timesheet_compliance_weekly once they are published.
    key, chapter, title, caption, what, prefix = spec
    published = ctx.rows(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and starts_with(table_name, $prefix) order by 1",
        prefix=prefix,
    )
    message = NOT_YET.format(what=what)
    if published:
        message += f" ({', '.join(r[0] for r in published)} published, not yet in the pack)"
    return section(key, chapter, title, caption, [], [], empty=message)
