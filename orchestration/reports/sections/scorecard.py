"""The SOKR scorecard's key results: the headline (one tile each) and the risk list of
those off track, at risk or missed."""

from __future__ import annotations

from typing import Any

from orchestration.reports.model import Chart, Format, Kpi, Section
from orchestration.reports.sections.context import Ctx, section

BAD_KR_STATUSES = ("off_track", "at_risk", "missed")

_KR_COLUMNS: list[tuple[str, Format]] = [
    ("objective", "text"),
    ("key result", "text"),
    ("metric", "text"),
    ("scope", "text"),
    ("baseline", "number"),  # units differ per key result (rate, money, days)
    ("target", "number"),
    ("actual", "number"),
    ("score", "score"),
    ("expected", "score"),
    ("status", "text"),
]


def _metric_unit(metric: str) -> Format:
    if metric.startswith(("bookings_", "revenue_")):
        return "money"
    if metric.endswith("_days"):
        return "number"
    return "pct"  # utilization, SLA attainment, attach rate, MAPE, overrun rate: ratios


def _key_results(ctx: Ctx, statuses: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
    """The quarter's key results from the scorecard's latest snapshot of that quarter.
    Region pack: the key results scoped to that region (scope_type 'region')."""
    rows = ctx.rows(
        """
        select objective, description, metric,
            case when scope_type = 'org' then 'org' else scope_type || ' ' || scope_value end,
            baseline, target, actual, score, expected, status
        from marts.mart_sokr_scorecard
        where quarter = $quarter
            and as_of_date = (
                select max(as_of_date) from marts.mart_sokr_scorecard where quarter = $quarter
            )
            and ($region is null or (scope_type = 'region' and scope_value = $region))
        order by objective_id, kr_id
        """
    )
    if statuses is not None:
        rows = [r for r in rows if r[9] in statuses]
    return rows


def headline(ctx: Ctx) -> Section:
    rows = _key_results(ctx)
    kpis = tuple(
        Kpi(
            label=r[1],
            metric=r[2],
            actual=r[6],
            target=r[5],
            score=r[7],
            status=r[9],
            unit=_metric_unit(r[2]),
        )
        for r in rows
    )
    return section(
        "headline",
        "Headline",
        f"Key results — {ctx.quarter}",
        "Each key result of the quarter's SOKR scorecard: its actual, its score "
        "(0 = baseline, 1 = target) against the score expected by now, and its status.",
        _KR_COLUMNS,
        rows,
        chart=Chart("barh", x="key result", y="score", target="expected", unit="score"),
        empty=f"No key results for {ctx.where}",
        notes=ctx.region_note(
            "key results scoped to this region; org-wide key results are in the all-regions pack"
        ),
        kpis=kpis,
    )


def risk_krs(ctx: Ctx) -> Section:
    rows = _key_results(ctx, BAD_KR_STATUSES)
    return section(
        "risk_krs",
        "Risks",
        "Key results off track, at risk or missed",
        "The key results of the quarter that are not on track.",
        _KR_COLUMNS,
        rows,
        empty=f"No key result off track, at risk or missed in {ctx.where}",
        notes=ctx.region_note("key results scoped to this region"),
    )
