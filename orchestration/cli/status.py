"""``psops status``, ``psops marts`` and ``psops checks``: read-only looks at the warehouse."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.cli._common import (
    EXIT_CHECK_FAILED,
    EXIT_CONFIG,
    EXIT_OK,
    _command,
    _err,
    _open_read_only,
    _print_marts,
    _say,
)
from orchestration.settings import Settings


def cmd_checks(args: argparse.Namespace, settings: Settings) -> int:
    """The latest run's check results (GX suites and dbt tests) as a table, failures first;
    read from psops.duckdb, so a blocked refresh shows too."""
    import duckdb

    from orchestration.dq import check_summary, run_results

    pipeline_db = settings.warehouse.pipeline_db
    if not pipeline_db.exists():
        _err(f"psops checks: no warehouse at {pipeline_db}; run `psops refresh` first.")
        return EXIT_CONFIG
    try:
        con = duckdb.connect(str(pipeline_db), read_only=True)
    except duckdb.Error as exc:
        _err(f"psops checks: cannot read {pipeline_db} ({exc}); is a refresh running?")
        return EXIT_CONFIG
    try:
        results = run_results(con, args.run)
    finally:
        con.close()
    if not results:
        _err("psops checks: no check results recorded yet; run `psops refresh` first.")
        return EXIT_CONFIG
    shown = [r for r in results if not r.passed] if args.failed else results
    _say(
        f"run {results[0].run_id} at {max(r.checked_at for r in results):%Y-%m-%d %H:%M} UTC: "
        f"{check_summary(results)}"
    )
    width = max([len(r.asset) for r in shown] + [5])
    cwidth = max([len(r.check_name) for r in shown] + [5])
    _say(f"{'result':<6}  {'asset':<{width}}  {'check':<{cwidth}}  {'failing':>8}  details")
    for r in shown:
        verdict = "pass" if r.passed else ("FAIL" if r.severity == "error" else "warn")
        detail = (r.description.splitlines() or [""])[0] if not r.passed else ""
        _say(
            f"{verdict:<6}  {r.asset:<{width}}  {r.check_name:<{cwidth}}  "
            f"{r.failing_count:>8}  {detail}"
        )
    return EXIT_CHECK_FAILED if any(r.blocking_failure for r in results) else EXIT_OK


def _print_sources(settings: Settings, pipeline_db: Path) -> int:
    from datetime import UTC, datetime

    from orchestration.status import format_age, quarantine_counts, reference_time, source_status

    con = _open_read_only(pipeline_db, "status")
    if con is None:
        return EXIT_CONFIG
    try:
        sources = source_status(con)
        open_q, total_q = quarantine_counts(con)
    finally:
        con.close()
    as_of = settings.as_of
    now = reference_time(as_of, datetime.now(UTC).replace(tzinfo=None))
    _say(f"Sources (freshness against {now:%Y-%m-%d %H:%M} UTC):")
    if not sources:
        _say("  nothing loaded yet")
    for src in sources:
        last = f"{src.last_load:%Y-%m-%d %H:%M}" if src.last_load else "never"
        _say(
            f"  {src.source:<12} last load {last}  age {format_age(src.age(now)):<11} "
            f"{src.freshness(now):<6} {src.rows:>10,} rows  {len(src.streams)} streams"
        )
        for stream in src.streams:
            updated = f"{stream.updated_at:%Y-%m-%d %H:%M}" if stream.updated_at else "-"
            _say(
                f"    {stream.stream:<32} {updated:<16} {stream.rows:>10,} rows  "
                f"cursor {stream.cursor or '-'}"
            )
    _say(f"Quarantine: {open_q:,} open records ({total_q:,} ever quarantined)")
    return EXIT_OK


def _print_publish(analytics_db: Path) -> int:
    from orchestration.status import last_publish

    if not analytics_db.exists():
        _say("Last publish: none yet (no analytics.duckdb)")
        return EXIT_OK
    con = _open_read_only(analytics_db, "status")
    if con is None:
        return EXIT_CONFIG
    try:
        publish = last_publish(con)
    finally:
        con.close()
    if publish is None:
        _say("Last publish: none recorded")
        return EXIT_OK
    _say(
        f"Last publish: run {publish.run_id}, as of {publish.as_of}, "
        f"at {publish.published_at:%Y-%m-%d %H:%M} UTC, {publish.marts} marts, "
        f"{publish.rows:,} rows"
    )
    _say(f"  checks: {publish.check_summary or '-'}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Last load per source, its freshness, the quarantine and the last publish."""
    paths = settings.warehouse
    if not paths.pipeline_db.exists():
        _say(f"No warehouse at {paths.root} yet: run `psops refresh` (or `psops demo`).")
        return EXIT_OK
    _say(f"Warehouse {paths.root}")
    return max(_print_sources(settings, paths.pipeline_db), _print_publish(paths.analytics_db))


def cmd_marts(args: argparse.Namespace, settings: Settings) -> int:
    """The published marts in analytics.duckdb with their row counts."""
    from orchestration.status import published_marts

    analytics_db = settings.warehouse.analytics_db
    if not analytics_db.exists():
        _say(f"Nothing published yet ({analytics_db} does not exist): run `psops refresh`.")
        return EXIT_OK
    con = _open_read_only(analytics_db, "marts")
    if con is None:
        return EXIT_CONFIG
    try:
        marts = published_marts(con)
    finally:
        con.close()
    _say(f"Published marts in {analytics_db}:")
    _print_marts(marts)
    return EXIT_OK


def add_status_parser(sub: argparse._SubParsersAction) -> None:
    """``psops status``."""
    status = _command(
        sub, "status", help="last load per source, freshness, quarantine, last publish"
    )
    status.set_defaults(func=cmd_status)


def add_marts_parser(sub: argparse._SubParsersAction) -> None:
    """``psops marts``."""
    marts = _command(sub, "marts", help="the published marts with their row counts")
    marts.set_defaults(func=cmd_marts)


def add_checks_parser(sub: argparse._SubParsersAction) -> None:
    """``psops checks``."""
    checks = _command(sub, "checks", help="the latest check results as a table")
    checks.add_argument("--failed", action="store_true", help="only the failed checks")
    checks.add_argument("--run", help="a run id (default: the latest run)")
    checks.set_defaults(func=cmd_checks)
