"""Billable and productive utilization by region over 13 months."""

from __future__ import annotations

from datetime import date

from orchestration.reports.model import Chart, Section
from orchestration.reports.sections.context import Ctx, section

ALL_REGIONS = "All regions"  # the org line's label on the utilization charts


def utilization(ctx: Ctx, measure: str) -> Section:
    """13 months ending at the quarter's last month (or the as-of month while the quarter
    is in progress): grain 'region' rows, plus the org line ('All regions') in the
    all-regions pack.  Empty when the pack's quarter itself has no row."""
    assert measure in ("billable_utilization", "productive_utilization")  # a column name
    label = measure.split("_")[0]  # billable / productive
    end = ctx.as_of.replace(day=1) if ctx.in_progress else ctx.months[-1]
    start = date(end.year - 1, end.month, 1)  # 13 months: start .. end inclusive
    rows = ctx.rows(
        f"""
        select month_start,
            case when grain = 'org' then $all_regions else region end,
            {measure}, target_utilization, available_hours, is_complete_month
        from marts.mart_utilization_monthly
        where month_start between $start and $end
            and (grain = 'region' or (grain = 'org' and $region is null))
            and ($region is null or region = $region)
        order by month_start, grain = 'org', region
        """,
        start=start,
        end=end,
        all_regions=ALL_REGIONS,
    )
    in_quarter = [r for r in rows if ctx.q_start <= r[0] <= ctx.q_end]
    partial = sorted({r[0] for r in rows if r[5] is False})
    notes = tuple(f"{m:%Y-%m} is month to date (as of {ctx.as_of})" for m in partial)
    notes += ctx.region_note("this region's row of mart_utilization_monthly (grain 'region')")
    return section(
        f"utilization_{label}",
        "Utilization",
        f"{label.capitalize()} utilization by region",
        f"{label.capitalize()} utilization per month and region over 13 months "
        "(dashed: the billable target, weighted by available hours).",
        [
            ("month", "date"),
            ("region", "text"),
            ("utilization", "pct"),
            ("target", "pct"),
            ("available hours", "hours"),
        ],
        [r[:5] for r in rows] if in_quarter else [],
        chart=Chart(
            "line",
            x="month",
            y="utilization",
            series="region",
            target="target",
            unit="pct",
            y_label=f"{label} utilization",
        ),
        empty=f"No utilization for {ctx.where}",
        notes=notes,
    )
