"""``psops refresh`` and ``psops demo`` (which ends with the demo summary and the QBR pack)."""

from __future__ import annotations

import argparse
import sys
import time

from orchestration.cli._common import (
    EXIT_CHECK_FAILED,
    EXIT_CONFIG,
    EXIT_OK,
    _command,
    _err,
    _log_level,
    _print_marts,
    _say,
)
from orchestration.cli.report import _write_pack
from orchestration.settings import Settings
from sources.common.errors import SourceConfigError, SourceUnavailableError
from sources.sandbox.serve import sandbox_db


def _selection(settings: Settings, names: list[str]) -> tuple[set[str] | None, bool]:
    """The sources a ``--select`` ingests (None: all) and whether it includes publish.
    Raises ``UnknownSelection``."""
    from orchestration.defs.definitions import build_definitions
    from orchestration.refresh import PUBLISH_KEY, selected_asset_keys, selected_sources

    if not names:
        return None, True
    defs = build_definitions(settings)
    keys = selected_asset_keys(defs, names)
    return selected_sources(defs, keys), PUBLISH_KEY in keys


def prepare_manifest(settings: Settings) -> None:
    """The dbt manifest, parsed when missing or stale, before anything loads the Dagster
    definitions (which only read it)."""
    from orchestration.defs.resources import ensure_dbt_manifest

    ensure_dbt_manifest(settings.environ, settings.warehouse.root)


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    prepare_manifest(settings)
    from orchestration.refresh import (
        DISK_FULL,
        UnknownSelection,
        preflight,
        run_refresh,
        terminal_progress,
    )
    from orchestration.writer_lock import WarehouseBusy, warehouse_writer_lock

    try:
        sources, publishes = _selection(settings, args.select)
    except UnknownSelection as exc:
        _err(f"psops refresh: unknown --select {', '.join(exc.unknown)}.")
        _err(f"Valid names: {', '.join(exc.valid)}. Nothing was written.")
        return EXIT_CONFIG
    try:
        settings.as_of_date()
        preflight(settings, sources)
    except SourceConfigError as exc:
        _err(f"psops refresh: configuration error: {exc}. Nothing was written.")
        return EXIT_CONFIG
    except SourceUnavailableError as exc:  # a source cannot be reached: one line, exit 1
        _err(f"psops refresh: {exc}. Nothing was written.")
        return EXIT_CHECK_FAILED
    started = time.monotonic()
    selected = "".join(f" --select {name}" for name in args.select)
    _say(
        f"psops refresh{' --full' if args.full else ''}{selected}: as of {settings.as_of_date()}, "
        f"warehouse {settings.warehouse.root}"
    )
    if args.select:
        ingested = ", ".join(sorted(sources)) if sources else "no source"
        _say(f"selection: ingests {ingested}, then everything downstream")
        if not publishes:
            _say("selection excludes publish: analytics.duckdb will not change")
    try:
        with (
            warehouse_writer_lock(
                settings.warehouse.root,
                wait=not args.no_wait,
                on_wait=lambda holder: _say(
                    f"another refresh ({holder}) is writing this warehouse; waiting for it…"
                ),
                on_takeover=_say,
            ),
            terminal_progress(sys.stdout),  # concise per-object lines; Dagster's log with -v
        ):
            outcome = run_refresh(
                settings,
                full=args.full,
                log_level="DEBUG" if args.verbose else "CRITICAL",  # our summary says what failed
                selection=args.select or None,
            )
    except WarehouseBusy as exc:
        _err(f"psops refresh: skipped: {exc} (--no-wait). Nothing was written.")
        return EXIT_CHECK_FAILED
    elapsed = time.monotonic() - started
    for warned in outcome.warned_checks:
        _say(f"warning: check {warned.check} on {warned.asset}: {warned.description}")
    if outcome.exit_code == EXIT_OK and not outcome.published:
        _say(
            f"selection done in {elapsed:.0f}s, not published ({outcome.passed_checks} checks "
            f"passed, run {outcome.run_id})"
        )
        return EXIT_OK
    if outcome.exit_code == EXIT_OK:
        unchanged = (
            f", {outcome.marts_unchanged} marts left as they were: their inputs did not change"
            if outcome.marts_unchanged
            else ""
        )
        _say(
            f"published {settings.warehouse.analytics_db} in {elapsed:.0f}s "
            f"({outcome.passed_checks} checks passed{unchanged}, run {outcome.run_id})"
        )
        return EXIT_OK
    if outcome.failed_checks:
        for failed in outcome.failed_checks:
            _err(f"BLOCKED by check {failed.check} on {failed.asset}:")
            _err(failed.summary or failed.description)
    for error in outcome.step_errors:
        _err(f"step failed: {error}")
    if any(DISK_FULL in error for error in outcome.step_errors):
        _err(
            f"psops refresh: the disk holding {settings.warehouse.root} is full ({DISK_FULL}): "
            "free space and run the refresh again; the last psops.duckdb is kept."
        )
    if outcome.published:  # the marts are out; saving the run's pipeline state failed
        _err(f"psops refresh: published, but the run's state was not saved (run {outcome.run_id}).")
        return EXIT_CHECK_FAILED
    _err(
        f"psops refresh: nothing was published; {settings.warehouse.analytics_db} is unchanged "
        f"(run {outcome.run_id})."
    )
    return EXIT_CHECK_FAILED


def _print_forecast_and_scorecard(con) -> None:
    """Next quarter's revenue forecast by layer and the current SOKR scorecard."""
    from orchestration.status import current_scorecard, revenue_forecast_next_quarter

    layers = revenue_forecast_next_quarter(con)
    if layers:
        _say(f"\nRevenue forecast, {layers[0][0]} (next quarter), by layer:")
        for _, layer, amount in layers:
            _say(f"  {layer:<22} {amount:>14,.0f}")
        _say(f"  {'total':<22} {sum(row[2] for row in layers):>14,.0f}")
    krs = current_scorecard(con)
    if krs:
        _say("\nSOKR scorecard (current quarter):")
        objective = None
        for name, kr_id, description, actual, target, score, status in krs:
            if name != objective:
                objective = name
                _say(f"  {name}")
            scored = "n/a" if score is None else f"{score:.2f}"
            _say(
                f"    {kr_id:<13} {description[:52]:<52} actual {_number(actual):>9} target "
                f"{_number(target)} score {scored} {status}"
            )


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _fixed(value: float | None, fmt: str = ".1f") -> str:
    return "n/a" if value is None else format(value, fmt)


def _print_coverage_and_presales(con, as_of) -> None:
    """Coverage gaps by segment (this quarter) and the pre-sales scoping turnaround (last
    full month, quarter to date); a mart that is not there (or not readable) prints
    nothing."""
    import duckdb

    from orchestration.status import coverage_gaps_by_segment, presales_turnaround, quarter_of

    try:
        gaps = coverage_gaps_by_segment(con, as_of)
    except duckdb.Error:
        gaps = None
    if gaps:
        _say(f"\nCoverage by segment, {quarter_of(as_of)[0]} (FTE required vs in delivery):")
        _say(f"  {'segment':<16} {'required':>9} {'delivery':>9} {'gap':>8} {'coverage':>9}")
        for segment, required, delivery, gap, ratio in gaps:
            _say(
                f"  {str(segment):<16} {_fixed(required):>9} {_fixed(delivery):>9} "
                f"{_fixed(gap, '+.1f'):>8} {_fixed(ratio, '.0%'):>9}"
            )
    try:
        turnaround = presales_turnaround(con, as_of)
    except duckdb.Error:
        turnaround = None
    if turnaround:
        _say("\nPre-sales scoping turnaround (business hours to scope):")
        _say(f"  {'period':<18} {'requests':>8} {'median':>7} {'p90':>7} {'SLA met':>8}")
        for t in turnaround:
            _say(
                f"  {t.period:<18} {t.requests:>8} {_fixed(t.median_hours):>7} "
                f"{_fixed(t.p90_hours):>7} {_fixed(t.sla_attainment, '.0%'):>8}"
            )


def print_summary(settings: Settings, outcome_checks: int) -> None:
    import duckdb

    from orchestration.status import org_utilization_last_month, published_marts

    paths = settings.warehouse
    con = duckdb.connect(str(paths.analytics_db), read_only=True)
    try:
        _say(f"\nPublished marts in {paths.analytics_db}:")
        _print_marts(published_marts(con))
        row = org_utilization_last_month(con, settings.as_of_date())
        if row and row[1] is not None:
            _say(f"\nOrg billable utilization, {row[0]:%B %Y} (last full month): {row[1]:.1%}")
        _print_forecast_and_scorecard(con)
        _print_coverage_and_presales(con, settings.as_of_date())
        _say(f"Checks passed: {outcome_checks}")
    finally:
        con.close()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    prepare_manifest(settings)
    from orchestration.refresh import run_refresh
    from orchestration.writer_lock import warehouse_writer_lock
    from sources.sandbox.generate import generate
    from sources.sandbox.serve import environment, start_all, stop_all

    sandbox_dir = settings.warehouse.root / "sandbox"
    as_of = settings.as_of_date()
    _say(f"1/3 generating the small sandbox organisation (seed {args.seed}, as of {as_of})")
    generate(sandbox_dir, scale="small", seed=args.seed, as_of=as_of)
    _say("2/3 starting the sandbox Jira, Salesforce and Kantata APIs on loopback")
    servers = start_all(sandbox_db(sandbox_dir))
    try:
        served = settings.with_values(environment(servers))  # the sandbox's URLs and tokens
        _say("3/3 refreshing: ingest → gate → dbt build → publish")
        with warehouse_writer_lock(
            settings.warehouse.root,
            on_wait=lambda holder: _say(f"waiting for another refresh ({holder})…"),
            purpose="psops demo",
            on_takeover=_say,
        ):
            outcome = run_refresh(served, full=False, log_level=_log_level(args))
    finally:
        stop_all(servers)
    if outcome.exit_code != EXIT_OK:
        for failed in outcome.failed_checks:
            _err(f"BLOCKED by check {failed.check} on {failed.asset}:\n{failed.summary}")
        for error in outcome.step_errors:
            _err(f"step failed: {error}")
        return outcome.exit_code
    print_summary(settings, outcome.passed_checks)
    return _demo_pack(settings)


def _demo_pack(settings: Settings) -> int:
    from orchestration.reports.pdf import ChromiumMissing, find_chromium

    _say("\nThe QBR pack (`psops report qbr`, `make report`):")
    with_pdf = find_chromium(settings.chromium) is not None
    code = _write_pack(settings, None, None, None, pdf=with_pdf)
    if not with_pdf:
        _say(f"  no PDF: {ChromiumMissing()}")
    return code


def add_refresh_parser(sub: argparse._SubParsersAction) -> None:
    """``psops refresh``."""
    refresh = _command(sub, "refresh", help="ingest → gate → dbt build → publish")
    refresh.add_argument(
        "--full",
        action="store_true",
        help="re-extract everything instead of resuming from each cursor",
    )
    refresh.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="LAYER_OR_SOURCE",
        help="only this source or layer group and what is downstream of it, e.g. kantata, "
        "staging, marts_sla (repeatable; default: everything)",
    )
    refresh.add_argument(
        "--no-wait",
        action="store_true",
        help="if another refresh is writing this warehouse, skip (exit 1) instead of waiting",
    )
    refresh.set_defaults(func=cmd_refresh)


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    """``psops demo``."""
    demo = _command(sub, "demo", help="generate + serve the sandbox, refresh, print a summary")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)
