"""The queries that fill the QBR pack (DESIGN.md "Reports"), from the published
``analytics.duckdb`` only (schema ``marts``, opened read-only): every value in a section's
table is a value a query on that file returns, so the pack can be checked against it.

One small function per section.  Every section is about the pack's quarter and, with
``region``, that region only; how each section applies the region is said in its ``notes``.
A section with nothing to show sets ``empty`` (the renderer says it instead of drawing).

Sections (``Section.key``), in order: headline, utilization_billable,
utilization_productive, sla_attainment, sla_breached_p1, revenue_vs_forecast,
revenue_next_quarters, bookings, forecast_accuracy, capacity, capacity_gap, risk_krs,
risk_p1, risk_budget, risk_hygiene, coverage, presales, timesheets; footer: freshness,
checks, checks_failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports.model import (
    Chart,
    Column,
    Cover,
    Format,
    Kpi,
    Pack,
    Section,
    Table,
    Value,
)

ALL_REGIONS = "All regions"  # the org line's label on the utilization charts
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_PARAM = re.compile(r"\$(\w+)")
LAYERS = ("actual", "scheduled", "unscheduled_backlog", "weighted_pipeline")  # DOMAIN §4
CATEGORIES = ("Closed", "Commit", "Best Case", "Pipeline", "Omitted")  # SFDC forecast order
BAD_KR_STATUSES = ("off_track", "at_risk", "missed")
BUDGET_TOP = 10
NOT_YET = "Not yet available: {what} lands with the coverage marts (issue 14)"


class NothingPublished(Exception):
    """No published ``analytics.duckdb`` (or no publish recorded in it)."""


class ReportInputError(ValueError):
    """A bad ``--quarter`` or ``--region``."""


# ----------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Ctx:
    con: duckdb.DuckDBPyConnection
    quarter: str  # "2026-Q4"
    q_start: date
    q_end: date  # the quarter's last day
    as_of: date  # the publish's as-of date
    run_id: str  # the publish's run
    region: str | None

    @property
    def months(self) -> tuple[date, ...]:
        return tuple(date(self.q_start.year, self.q_start.month + i, 1) for i in range(3))

    @property
    def in_progress(self) -> bool:
        return self.q_start <= self.as_of <= self.q_end

    @property
    def where(self) -> str:
        """'2026-Q4' or '2026-Q4 (EMEA)': for the empty messages."""
        return f"{self.quarter} ({self.region})" if self.region else self.quarter

    def rows(self, sql: str, **extra: Any) -> list[tuple[Any, ...]]:
        """Run ``sql`` with the named parameters it uses ($quarter, $q_start, $q_end,
        $as_of, $run_id, $region and ``extra``); values are never formatted into SQL."""
        known = {
            "quarter": self.quarter,
            "q_start": self.q_start,
            "q_end": self.q_end,
            "as_of": self.as_of,
            "run_id": self.run_id,
            "region": self.region,
            **extra,
        }
        params = {name: known[name] for name in set(_PARAM.findall(sql))}
        return self.con.execute(sql, params).fetchall()

    def one(self, sql: str, **extra: Any) -> Any:
        rows = self.rows(sql, **extra)
        return rows[0][0] if rows else None

    def region_note(self, how: str) -> tuple[str, ...]:
        return (f"{self.region} pack: {how}",) if self.region else ()


def _quarter_bounds(year: int, q: int) -> tuple[date, date]:
    start = date(year, 3 * q - 2, 1)
    nxt = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, nxt - timedelta(days=1)


def _quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _shift_quarter(quarter: str, by: int) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    index = year * 4 + (q - 1) + by
    return f"{index // 4}-Q{index % 4 + 1}"


def _parse_quarter(text: str) -> tuple[int, int]:
    match = _QUARTER.match(text.strip())
    if not match:
        raise ReportInputError(f"--quarter must look like 2026-Q3 (YYYY-Qn), got {text!r}")
    return int(match.group(1)), int(match.group(2))


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = $name",
        {"name": name},
    ).fetchone()
    return bool(found and found[0])


def _known_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select region from marts.mart_utilization_monthly where grain = 'region'
        union
        select region from marts.dim_customer
        """
    ).fetchall()
    return sorted(r[0] for r in rows if r[0] and r[0] != "All")


def _check_region(con: duckdb.DuckDBPyConnection, region: str | None) -> str | None:
    if region is None:
        return None
    known = _known_regions(con)
    for name in known:
        if name.lower() == region.strip().lower():
            return name
    raise ReportInputError(
        f"--region {region!r} is not a region the marts know: {', '.join(known) or 'none'}"
    )


# ----------------------------------------------------------------------------- builders


def _table(columns: list[tuple[str, Format]], rows: list[tuple[Any, ...]]) -> Table:
    return Table(
        columns=tuple(Column(name, fmt) for name, fmt in columns),
        rows=tuple(tuple(row) for row in rows),
    )


def _section(
    key: str,
    chapter: str,
    title: str,
    caption: str,
    columns: list[tuple[str, Format]],
    rows: list[tuple[Value, ...]],
    *,
    chart: Chart | None = None,
    empty: str,
    notes: tuple[str, ...] = (),
    kpis: tuple[Kpi, ...] = (),
) -> Section:
    """A section; with no rows it carries ``empty`` (and no chart) instead."""
    return Section(
        key=key,
        chapter=chapter,
        title=title,
        caption=caption,
        table=_table(columns, rows),
        chart=chart if rows else None,
        empty=None if rows else empty,
        notes=notes,
        kpis=kpis if rows else (),
    )


def _snapshot_applies(ctx: _Ctx, snapshot: date) -> bool:
    """Current-state data (the capacity forecast, hygiene findings) is kept only as of the
    latest refresh.  It belongs to the pack of the quarter it was taken in and to the pack
    of the quarter before (a QBR is held just after its quarter closes); never to older
    (or later) quarters, whose packs say so instead."""
    next_end = _quarter_bounds(*_parse_quarter(_shift_quarter(ctx.quarter, 1)))[1]
    return ctx.q_start <= snapshot <= next_end


def _snapshot_message(ctx: _Ctx, what: str, snapshot: date) -> str:
    """``what``: 'The capacity forecast is' / 'Hygiene findings are'."""
    taken_in = _quarter_of(snapshot)
    return (
        f"{what} kept only as of {snapshot} (the latest refresh): shown in the packs of "
        f"{taken_in} and {_shift_quarter(taken_in, -1)}, not {ctx.quarter}"
    )


# The region of a Jira project: project → dim_engagement.jira_project_key → customer region.
# Projects with no engagement or no customer (internal, support, pre-sales) have none.
_REGION_PROJECTS = """
    select e.jira_project_key
    from marts.dim_engagement as e
    inner join marts.dim_customer as c on c.customer_key = e.customer_key
    where e.jira_project_key is not null and c.region = $region
"""
_PROJECT_REGIONS = """
    select e.jira_project_key as project_key,
        string_agg(distinct c.region, ', ' order by c.region) as region
    from marts.dim_engagement as e
    inner join marts.dim_customer as c on c.customer_key = e.customer_key
    where e.jira_project_key is not null and c.region is not null
    group by e.jira_project_key
"""


# ----------------------------------------------------------------------------- 1. SOKR

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


def _key_results(ctx: _Ctx, statuses: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
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


def _headline(ctx: _Ctx) -> Section:
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
    return _section(
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


# ----------------------------------------------------------------------------- 2. utilization


def _utilization(ctx: _Ctx, measure: str) -> Section:
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
    return _section(
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


# ----------------------------------------------------------------------------- 3. SLA


def _priority_rank(ctx: _Ctx) -> dict[str, int]:
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


def _sla_region_notes(ctx: _Ctx) -> tuple[str, ...]:
    if not ctx.region:
        return ()
    left_out = ctx.rows(
        f"""
        select string_agg(distinct project_key, ', ' order by project_key),
            sum(met_count + breached_count)
        from marts.mart_sla_attainment_monthly
        where month_start between $q_start and $q_end
            and project_key not in (select project_key from ({_PROJECT_REGIONS}))
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


def _sla_attainment(ctx: _Ctx) -> Section:
    """met / (met + breached) over the quarter's months, sums first (DOMAIN §3)."""
    rows = ctx.rows(
        f"""
        select priority, metric, sum(met_count), sum(breached_count),
            sum(met_count) / nullif(sum(met_count) + sum(breached_count), 0)
        from marts.mart_sla_attainment_monthly
        where month_start between $q_start and $q_end
            and ($region is null or project_key in ({_REGION_PROJECTS}))
        group by priority, metric
        """
    )
    rank = _priority_rank(ctx)
    rows.sort(key=lambda r: (rank.get(r[0], len(rank)), r[0], r[1]))
    rows = [(p, m, a, met, br) for p, m, met, br, a in rows]
    notes = (f"{ctx.quarter} to date (as of {ctx.as_of})",) if ctx.in_progress else ()
    return _section(
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


def _breached_top(ctx: _Ctx, top: str | None) -> list[tuple[Any, ...]]:
    """Breached clocks of the top priority stopped in the quarter (running breached clocks
    count in the as-of month, as in mart_sla_attainment_monthly)."""
    return ctx.rows(
        f"""
        select s.issue_key, s.project_key, s.metric, s.goal_business_hours,
            s.elapsed_business_hours, s.started_at, s.stopped_at,
            case when s.is_running then 'running' else 'stopped' end,
            coalesce(pr.region, '(none)')
        from marts.fct_sla_clocks as s
        left join ({_PROJECT_REGIONS}) as pr on pr.project_key = s.project_key
        where s.priority = $top and s.sla_status = 'breached'
            and s.stop_month between $q_start and $q_end
            and ($region is null or s.project_key in ({_REGION_PROJECTS}))
        order by s.started_at, s.issue_key, s.metric
        """,
        top=top,
    )


def _sla_breached_p1(ctx: _Ctx, top: str | None, breached: list[tuple[Any, ...]]) -> Section:
    return _section(
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


# ----------------------------------------------------------------------------- 4. revenue


def _revenue_vs_forecast(ctx: _Ctx) -> Section:
    """The quarter's actual revenue per month (mart_metric_values 'revenue_actual') against
    the forecast psops made for it "a quarter earlier".  DOMAIN §4 does not define that
    point, so: the latest snapshot of fct_revenue_forecast_history taken on or before the
    first day of the previous quarter (for 2026-Q4: on or before 2026-07-01), i.e. what
    was known when the quarter before began.  Forecast = all four layers (they add up)."""
    prev_start = _quarter_bounds(*_parse_quarter(_shift_quarter(ctx.quarter, -1)))[0]
    snapshot = ctx.one(
        "select max(as_of_date) from marts.fct_revenue_forecast_history "
        "where as_of_date <= $prev_start",
        prev_start=prev_start,
    )
    columns: list[tuple[str, Format]] = [
        ("month", "date"),
        ("measure", "text"),
        ("amount", "money"),
    ]
    title = "Revenue: actual vs the forecast a quarter earlier"
    caption = (
        "Revenue per month of the quarter: what was delivered against what psops "
        "forecast for it a quarter earlier (all layers)."
    )
    notes = ctx.region_note("revenue and forecast of this region (their region column)")
    if snapshot is None:
        first = ctx.one("select min(as_of_date) from marts.fct_revenue_forecast_history")
        since = f"history starts {first}" if first else "no forecast history is kept yet"
        return _section(
            "revenue_vs_forecast",
            "Revenue",
            title,
            caption,
            columns,
            [],
            empty=f"No forecast snapshot from a quarter before {ctx.quarter} — {since}",
            notes=notes,
        )
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
    rows = sorted(
        [(m, "actual", v) for m, v in actual] + [(m, label, v) for m, v in forecast],
        key=lambda r: (r[0], r[1] != "actual"),
    )
    if ctx.in_progress:
        notes = (f"actual to date (as of {ctx.as_of})",) + notes
    return _section(
        "revenue_vs_forecast",
        "Revenue",
        title,
        caption,
        columns,
        rows,
        chart=Chart("grouped_bar", x="month", y="amount", series="measure", unit="money"),
        empty=f"No revenue for {ctx.where}",
        notes=notes,
    )


def _revenue_next_quarters(ctx: _Ctx) -> Section:
    """The two quarters after the pack's, by layer, from the latest forecast snapshot."""
    nxt = (_shift_quarter(ctx.quarter, 1), _shift_quarter(ctx.quarter, 2))
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
    return _section(
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


# ----------------------------------------------------------------------------- 5. bookings


def _bookings(ctx: _Ctx) -> Section:
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
    return _section(
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


# ----------------------------------------------------------------------------- 6. accuracy


def _forecast_accuracy(ctx: _Ctx) -> Section:
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
    return _section(
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


# ----------------------------------------------------------------------------- 7. capacity


def _capacity_window(ctx: _Ctx) -> tuple[date | None, date | None, date | None, str]:
    """(snapshot, first week, end) of the 12 weeks from the as-of week, or an empty message."""
    snapshot = ctx.one("select max(as_of_date) from marts.mart_capacity_forecast")
    if snapshot is None:
        return None, None, None, "No capacity forecast is published"
    if not _snapshot_applies(ctx, snapshot):
        return None, None, None, _snapshot_message(ctx, "The capacity forecast is", snapshot)
    first = ctx.one(
        """
        select min(week_start) from marts.mart_capacity_forecast
        where as_of_date = $snapshot
            and week_start >= date_trunc('week', cast($snapshot as date))
        """,
        snapshot=snapshot,
    )
    if first is None:
        return None, None, None, f"No capacity forecast weeks after {snapshot}"
    return snapshot, first, first + timedelta(weeks=12), ""


def _capacity(ctx: _Ctx) -> Section:
    snapshot, first, end, message = _capacity_window(ctx)
    rows: list[tuple[Any, ...]] = []
    if snapshot:
        weekly = ctx.rows(
            """
            select week_start, sum(supply_hours), sum(demand_hours)
            from marts.mart_capacity_forecast
            where as_of_date = $snapshot and week_start >= $first and week_start < $end
                and ($region is null or region = $region)
            group by week_start
            order by week_start
            """,
            snapshot=snapshot,
            first=first,
            end=end,
        )
        rows = [r for w, s, d in weekly for r in ((w, "supply", s), (w, "demand", d))]
        message = message or f"No capacity forecast for {ctx.region}"
    return _section(
        "capacity",
        "Capacity",
        "Capacity vs demand, next 12 weeks",
        "Supply (available hours) against demand (allocated hours) per week, all delivery "
        "roles" + (f", from the capacity forecast as of {snapshot}." if snapshot else "."),
        [("week", "date"), ("measure", "text"), ("hours", "hours")],
        rows,
        chart=Chart("line", x="week", y="hours", series="measure", unit="hours"),
        empty=message,
        notes=ctx.region_note("this region's rows (region column)"),
    )


def _capacity_gap(ctx: _Ctx) -> Section:
    """Per role over the 12 weeks: FTE gap (DOMAIN §4) summed over regions each week, then
    its mean over the window's weeks (a week without the role counts 0) and its peak."""
    snapshot, first, end, message = _capacity_window(ctx)
    rows: list[tuple[Any, ...]] = []
    if snapshot:
        rows = ctx.rows(
            """
            with weekly as (
                select week_start, role, sum(supply_hours) as supply,
                    sum(demand_hours) as demand, sum(fte_gap) as gap
                from marts.mart_capacity_forecast
                where as_of_date = $snapshot and week_start >= $first and week_start < $end
                    and ($region is null or region = $region)
                group by week_start, role
            ),
            weeks as (select count(distinct week_start) as n from weekly)
            select role, sum(supply), sum(demand), sum(gap) / any_value(n), max(gap)
            from weekly, weeks
            group by role
            order by sum(gap) desc, role
            """,
            snapshot=snapshot,
            first=first,
            end=end,
        )
        message = message or f"No capacity forecast for {ctx.region}"
    return _section(
        "capacity_gap",
        "Capacity",
        "FTE gap by role, next 12 weeks",
        "People short (+) or spare (−) per role: the weekly FTE gap averaged over the 12 "
        "weeks, with its worst week.",
        [
            ("role", "text"),
            ("supply hours", "hours"),
            ("demand hours", "hours"),
            ("mean weekly FTE gap", "fte"),
            ("peak weekly FTE gap", "fte"),
        ],
        rows,
        chart=Chart("barh", x="role", y="mean weekly FTE gap", unit="fte"),
        empty=message,
        notes=ctx.region_note("this region's rows (region column)"),
    )


# ----------------------------------------------------------------------------- 8. risks


def _risk_krs(ctx: _Ctx) -> Section:
    rows = _key_results(ctx, BAD_KR_STATUSES)
    return _section(
        "risk_krs",
        "Risks",
        "Key results off track, at risk or missed",
        "The key results of the quarter that are not on track.",
        _KR_COLUMNS,
        rows,
        empty=f"No key result off track, at risk or missed in {ctx.where}",
        notes=ctx.region_note("key results scoped to this region"),
    )


def _risk_p1(ctx: _Ctx, top: str | None, breached: list[tuple[Any, ...]]) -> Section:
    """Breached top-priority tickets (section sla_breached_p1's rows) counted per project."""
    counts: dict[tuple[str, str, str], int] = {}
    for issue in breached:
        key = (issue[1], issue[8], issue[2])  # project, region, metric
        counts[key] = counts.get(key, 0) + 1
    rows = [(*key, n) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return _section(
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


def _risk_budget(ctx: _Ctx) -> Section:
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
    return _section(
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


def _risk_hygiene(ctx: _Ctx) -> Section:
    """Findings of the latest refresh (current state, like the capacity forecast):
    unmatched identities by source and reason, tickets without an SLA policy by reason.
    Region pack: tickets of the region's projects; identities are org-wide (a record that
    matched no person has no region)."""
    columns: list[tuple[str, Format]] = [
        ("finding", "text"),
        ("source", "text"),
        ("reason", "text"),
        ("records", "int"),
    ]
    chart = Chart("barh", x="reason", y="records", series="source", unit="number")
    if not _snapshot_applies(ctx, ctx.as_of):
        return _section(
            "risk_hygiene",
            "Risks",
            "Hygiene findings",
            "Records a refresh could not match or classify, by source and reason.",
            columns,
            [],
            empty=_snapshot_message(ctx, "Hygiene findings are", ctx.as_of),
        )
    rows = ctx.rows(
        f"""
        select 'unmatched identity', source, reason, count(*)
        from marts.dq_unmatched_identities
        group by source, reason
        union all
        select 'ticket without SLA policy', 'jira', missing_reason, count(*)
        from marts.dq_tickets_without_policy
        where $region is null or project_key in ({_REGION_PROJECTS})
        group by missing_reason
        order by 1 desc, 2, 3
        """
    )
    notes = ctx.region_note(
        "tickets of this region's projects; unmatched identities are org-wide (not "
        "attributable to a region)"
    )
    return _section(
        "risk_hygiene",
        "Risks",
        "Hygiene findings",
        f"Records the refresh of {ctx.as_of} could not match or classify, by source and reason.",
        columns,
        rows,
        chart=chart,
        empty="No hygiene findings in the latest refresh",
        notes=notes,
    )


# ----------------------------------------------------------------------------- 9. not yet


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


def _not_yet(ctx: _Ctx, spec: tuple[str, str, str, str, str, str]) -> Section:
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
    return _section(key, chapter, title, caption, [], [], empty=message)


# ----------------------------------------------------------------------------- footer


def _freshness(ctx: _Ctx) -> Section:
    columns: list[tuple[str, Format]] = [
        ("source", "text"),
        ("stream", "text"),
        ("last loaded", "date"),
        ("rows loaded", "int"),
    ]
    title, caption = "Source freshness", "When each source stream was last loaded, and how much."
    if not _has_table(ctx.con, "_source_freshness"):
        return _section(
            "freshness",
            "About this pack",
            title,
            caption,
            columns,
            [],
            empty="Source freshness is not in this warehouse (published before psops "
            "recorded it): run `psops refresh`",
        )
    rows = ctx.rows(
        "select source, stream, last_loaded_at, rows_loaded "
        "from marts._source_freshness order by source, stream"
    )
    return _section(
        "freshness",
        "About this pack",
        title,
        caption,
        columns,
        rows,
        empty="No source loads are recorded",
        notes=ctx.region_note("sources are org-wide"),
    )


def _checks(ctx: _Ctx) -> Section:
    """The gate's results for the published run (mart_dq_results also keeps earlier runs)."""
    rows = ctx.rows(
        """
        select severity, case when passed then 'passed' else 'failed' end, count(*)
        from marts.mart_dq_results
        where run_id = $run_id
        group by severity, passed
        order by severity, passed desc
        """
    )
    return _section(
        "checks",
        "About this pack",
        "The gate's checks",
        f"Data-quality checks run on refresh {ctx.run_id} before it was published, by "
        "severity (an error blocks publishing; a warning does not).",
        [("severity", "text"), ("result", "text"), ("checks", "int")],
        rows,
        empty=f"No check results for run {ctx.run_id} in mart_dq_results",
        notes=ctx.region_note("checks are org-wide"),
    )


def _checks_failed(ctx: _Ctx) -> Section:
    rows = ctx.rows(
        """
        select check_name, asset, severity, failing_count, description
        from marts.mart_dq_results
        where run_id = $run_id and not passed
        order by severity, check_name
        """
    )
    return _section(
        "checks_failed",
        "About this pack",
        "Checks that failed",
        "The checks of the published refresh that found failing rows (warnings).",
        [
            ("check", "text"),
            ("asset", "text"),
            ("severity", "text"),
            ("failing rows", "int"),
            ("description", "text"),
        ],
        rows,
        empty=f"No check failed in run {ctx.run_id}",
    )


# ----------------------------------------------------------------------------- the pack


def _cover(con: duckdb.DuckDBPyConnection, path: Path) -> Cover:
    nothing = NothingPublished(
        f"nothing is published yet at {path}: run `psops refresh` (or `psops demo`) first"
    )
    if not _has_table(con, "_publish_log"):
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
        _parse_quarter(quarter)
    con = duckdb.connect(str(analytics_db), read_only=True)
    try:
        cover = _cover(con, analytics_db)
        quarter = quarter.strip() if quarter else _quarter_of(cover.as_of)
        q_start, q_end = _quarter_bounds(*_parse_quarter(quarter))
        ctx = _Ctx(
            con=con,
            quarter=quarter,
            q_start=q_start,
            q_end=q_end,
            as_of=cover.as_of,
            run_id=cover.run_id,
            region=_check_region(con, region),
        )
        top = next(iter(_priority_rank(ctx)), None)  # the most urgent priority
        breached = _breached_top(ctx, top)
        sections = (
            _headline(ctx),
            _utilization(ctx, "billable_utilization"),
            _utilization(ctx, "productive_utilization"),
            _sla_attainment(ctx),
            _sla_breached_p1(ctx, top, breached),
            _revenue_vs_forecast(ctx),
            _revenue_next_quarters(ctx),
            _bookings(ctx),
            _forecast_accuracy(ctx),
            _capacity(ctx),
            _capacity_gap(ctx),
            _risk_krs(ctx),
            _risk_p1(ctx, top, breached),
            _risk_budget(ctx),
            _risk_hygiene(ctx),
            *(_not_yet(ctx, spec) for spec in NOT_YET_SECTIONS),
        )
        footer = (_freshness(ctx), _checks(ctx), _checks_failed(ctx))
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
