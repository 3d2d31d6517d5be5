"""Timesheet compliance (DOMAIN §11): the share of due timesheets submitted on time over
the quarter's weeks, by region."""

from __future__ import annotations

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import Ctx, section
from orchestration.reports.sections.not_yet import not_yet

TIMESHEET_MART = "mart_timesheet_compliance_weekly"
ALL_REGIONS = "All regions"


def timesheets(ctx: Ctx) -> Section:
    """The weeks of ``mart_timesheet_compliance_weekly`` starting in the quarter, summed per
    region (its team rollup rows, team 'All'), plus the org row ('All regions') in the
    all-regions pack; compliance = on time ÷ due over those weeks."""
    missing = not_yet(ctx, "timesheet compliance", TIMESHEET_MART)
    rows = (
        []
        if missing
        else ctx.rows(
            f"""
            select case when region = 'All' then $all_regions else region end,
                count(distinct week_start), sum(due), sum(on_time), sum(late), sum(missing),
                sum(rejected_count), sum(on_time) / nullif(sum(due), 0)
            from marts.{TIMESHEET_MART}
            where week_start between $q_start and $q_end and team = 'All'
                and (($region is null) or region = $region)
            group by region
            order by region = 'All', region
            """,
            all_regions=ALL_REGIONS,
        )
    )
    return section(
        "timesheets",
        "Timesheets",
        "Timesheet compliance by region",
        "Timesheets due in the quarter's weeks: submitted on time, late or missing, and the "
        "share on time.",
        [
            ("region", "text"),
            ("weeks", "int"),
            ("due", "int"),
            ("on time", "int"),
            ("late", "int"),
            ("missing", "int"),
            ("rejected", "int"),
            ("compliance rate", "pct"),
        ],
        rows,
        chart=Chart("bar", x="region", y="compliance rate", unit="pct"),
        empty=missing or f"No timesheets due in {ctx.where}",
        notes=ctx.region_note(f"this region's rows of {TIMESHEET_MART} (team 'All')"),
    )
