"""The pack's footer ("About this pack"): source freshness, the gate's checks for the
published run, and the checks that failed."""

from __future__ import annotations

from orchestration.reports.model import Section
from orchestration.reports.sections.context import Ctx, has_table, section


def freshness(ctx: Ctx) -> Section:
    if has_table(ctx.con, "_source_freshness"):
        rows = ctx.rows(
            "select source, stream, last_loaded_at, rows_loaded "
            "from marts._source_freshness order by source, stream"
        )
        empty = "No source loads are recorded"
        notes = ctx.region_note("sources are org-wide")
    else:
        rows, notes = [], ()
        empty = (
            "Source freshness is not in this warehouse (published before psops "
            "recorded it): run `psops refresh`"
        )
    return section(
        "freshness",
        "About this pack",
        "Source freshness",
        "When each source stream was last loaded, and how much.",
        [("source", "text"), ("stream", "text"), ("last loaded", "date"), ("rows loaded", "int")],
        rows,
        empty=empty,
        notes=notes,
    )


def checks(ctx: Ctx) -> Section:
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
    return section(
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


def checks_failed(ctx: Ctx) -> Section:
    rows = ctx.rows(
        """
        select check_name, asset, severity, failing_count, description
        from marts.mart_dq_results
        where run_id = $run_id and not passed
        order by severity, check_name
        """
    )
    return section(
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
