"""Coverage (DOMAIN §9): delivery FTE against the coverage model by segment, and the
share of active engagements delivered through partners."""

from __future__ import annotations

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import Ctx, section
from orchestration.reports.sections.not_yet import not_yet

COVERAGE_MART = "mart_coverage_quarterly"
PARTNER_MART = "mart_partner_delivery_quarterly"

_COVERAGE_COLUMNS = [
    ("segment", "text"),
    ("active accounts", "int"),
    ("required FTE", "fte"),
    ("delivery FTE", "fte"),
    ("FTE gap", "fte"),
    ("coverage ratio", "pct"),
]


def coverage(ctx: Ctx) -> Section:
    """The quarter's rows of ``mart_coverage_quarterly`` by segment (grain 'segment'; a
    region pack: grain 'region_segment' of its region), largest FTE gap first."""
    missing = not_yet(ctx, "coverage by segment", COVERAGE_MART)
    rows = (
        []
        if missing
        else ctx.rows(
            f"""
            select segment, active_accounts, required_fte, delivery_fte, fte_gap,
                coverage_ratio
            from marts.{COVERAGE_MART}
            where quarter = $quarter
                and (($region is null and grain = 'segment')
                    or (grain = 'region_segment' and region = $region))
            order by fte_gap desc nulls last, segment
            """
        )
    )
    return section(
        "coverage",
        "Coverage",
        "Coverage by segment",
        "Delivery FTE against the FTE the coverage model requires for the segment's active "
        "accounts (gap: people short, +; coverage: delivery ÷ required).",
        _COVERAGE_COLUMNS,
        rows,
        chart=Chart("bar", x="segment", y="coverage ratio", unit="pct"),
        empty=missing or f"No coverage for {ctx.where}",
        notes=ctx.region_note(f"this region's rows of {COVERAGE_MART} (grain 'region_segment')"),
    )


def partner_share(ctx: Ctx) -> Section:
    """The quarter's active engagements and budget per delivery model and partner (the
    non-rollup rows of ``mart_partner_delivery_quarterly``: their shares add up to 1).
    The mart has no region: a region pack shows the whole org, and says so."""
    missing = not_yet(ctx, "partner share", PARTNER_MART)
    rows = (
        []
        if missing
        else ctx.rows(
            f"""
            select delivery_model, delivery_partner, active_engagements, engagement_budget,
                share_of_active_engagements, share_of_engagement_budget
            from marts.{PARTNER_MART}
            where quarter = $quarter and delivery_model <> 'All' and delivery_partner <> 'All'
            order by share_of_active_engagements desc, delivery_model, delivery_partner
            """
        )
    )
    return section(
        "partner_share",
        "Coverage",
        "Partner share of delivery",
        "Active client engagements and their budget by delivery model (Direct, Partner-led, "
        "Co-delivery) and partner, as shares of the quarter's.",
        [
            ("delivery model", "text"),
            ("partner", "text"),
            ("active engagements", "int"),
            ("engagement budget", "money"),
            ("share of engagements", "pct"),
            ("share of budget", "pct"),
        ],
        rows,
        chart=Chart(
            "stacked_bar",
            x="delivery model",
            y="share of engagements",
            series="partner",
            unit="pct",
        ),
        empty=missing or f"No active engagements in {ctx.quarter}",
        notes=ctx.region_note(f"the whole org ({PARTNER_MART} has no region)"),
    )
