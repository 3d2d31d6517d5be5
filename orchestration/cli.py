"""``psops``: the operator's command line.

Exit codes (DESIGN.md): 0 published; 1 a blocking check (or a step) failed and nothing was
published; 2 configuration error (the missing or refused variable is named).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from sources.common.config import PIPELINE_DB_VARIABLE, as_of_date, load_env, warehouse_paths
from sources.common.errors import SourceConfigError, SourceUnavailableError
from sources.sandbox.serve import DEFAULT_SANDBOX_DIR, sandbox_db

EXIT_OK, EXIT_CHECK_FAILED, EXIT_CONFIG = 0, 1, 2


def _say(message: str = "") -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _log_level(args: argparse.Namespace) -> str:
    """Dagster's run log on the terminal: step progress normally, everything with -v."""
    return "DEBUG" if args.verbose else "INFO"


def _selection(names: list[str]) -> tuple[set[str] | None, bool]:
    """The sources a ``--select`` ingests (None: all) and whether it includes publish.
    Raises ``UnknownSelection``."""
    from orchestration.refresh import PUBLISH_KEY, selected_asset_keys, selected_sources

    if not names:
        return None, True
    keys = selected_asset_keys(names)
    return selected_sources(keys), PUBLISH_KEY in keys


def cmd_refresh(args: argparse.Namespace) -> int:
    from orchestration.refresh import (
        DISK_FULL,
        UnknownSelection,
        preflight,
        run_refresh,
        terminal_progress,
    )
    from orchestration.resources import pin_warehouse_dir
    from orchestration.writer_lock import WarehouseBusy, warehouse_writer_lock

    pin_warehouse_dir()
    try:
        sources, publishes = _selection(args.select)
    except UnknownSelection as exc:
        _err(f"psops refresh: unknown --select {', '.join(exc.unknown)}.")
        _err(f"Valid names: {', '.join(exc.valid)}. Nothing was written.")
        return EXIT_CONFIG
    try:
        as_of_date()
        preflight(sources)
    except SourceConfigError as exc:
        _err(f"psops refresh: configuration error: {exc}. Nothing was written.")
        return EXIT_CONFIG
    except SourceUnavailableError as exc:  # a source cannot be reached: one line, exit 1
        _err(f"psops refresh: {exc}. Nothing was written.")
        return EXIT_CHECK_FAILED
    started = time.monotonic()
    selected = "".join(f" --select {name}" for name in args.select)
    _say(
        f"psops refresh{' --full' if args.full else ''}{selected}: as of {as_of_date()}, "
        f"warehouse {warehouse_paths().root}"
    )
    if args.select:
        ingested = ", ".join(sorted(sources)) if sources else "no source"
        _say(f"selection: ingests {ingested}, then everything downstream")
        if not publishes:
            _say("selection excludes publish: analytics.duckdb will not change")
    try:
        with (
            warehouse_writer_lock(
                warehouse_paths().root,
                wait=not args.no_wait,
                on_wait=lambda holder: _say(
                    f"another refresh ({holder}) is writing this warehouse; waiting for it…"
                ),
                on_takeover=_say,
            ),
            terminal_progress(sys.stdout),  # concise per-object lines; Dagster's log with -v
        ):
            outcome = run_refresh(
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
        _say(
            f"published {warehouse_paths().analytics_db} in {elapsed:.0f}s "
            f"({outcome.passed_checks} checks passed, run {outcome.run_id})"
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
            f"psops refresh: the disk holding {warehouse_paths().root} is full ({DISK_FULL}): "
            "free space and run the refresh again; the last psops.duckdb is kept."
        )
    if outcome.published:  # the marts are out; saving the run's pipeline state failed
        _err(f"psops refresh: published, but the run's state was not saved (run {outcome.run_id}).")
        return EXIT_CHECK_FAILED
    _err(
        f"psops refresh: nothing was published; {warehouse_paths().analytics_db} is unchanged "
        f"(run {outcome.run_id})."
    )
    return EXIT_CHECK_FAILED


def cmd_sandbox_generate(args: argparse.Namespace) -> int:
    from sources.sandbox.generate import generate
    from sources.sandbox.salesforce_org import SalesforceOrg

    def sfdc_field(name: str) -> str | None:
        return None if name.lower() == "none" else name

    as_of = date.fromisoformat(args.as_of) if args.as_of else as_of_date()
    started = time.monotonic()
    counts = generate(
        Path(args.dir),
        scale=args.scale,
        seed=args.seed,
        as_of=as_of,
        orphan_time_entries=args.orphan_time_entries,
        bad_records=args.bad_records,
        jira_priorities=args.jira_priorities,
        salesforce_org=SalesforceOrg(
            multi_currency=args.sfdc_multi_currency,
            segment_field=sfdc_field(args.sfdc_segment_field),
            region_field=sfdc_field(args.sfdc_region_field),
        ),
    )
    _say(
        f"sandbox ({args.scale}, seed {args.seed}, as of {as_of}) written to "
        f"{sandbox_db(Path(args.dir))} in {time.monotonic() - started:.1f}s:"
    )
    for table, n in sorted(counts.items()):
        _say(f"  {table:<40} {n:>12,}")
    return EXIT_OK


def cmd_sandbox_advance(args: argparse.Namespace) -> int:
    from sources.sandbox.advance import advance

    counts = advance(Path(args.dir), days=args.days, seed=args.seed)
    _say(f"sandbox in {args.dir} advanced {args.days} day(s): new / updated / deleted")
    for table, changes in sorted(counts.items()):
        _say(
            f"  {table:<40} {changes['new']:>7,} {changes['updated']:>7,} {changes['deleted']:>7,}"
        )
    _say("Restart `psops sandbox serve` to serve the advanced dataset.")
    return EXIT_OK


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from sources.sandbox.faults import FaultConfig
    from sources.sandbox.serve import environment, start_all, stop_all, write_env_file

    faults = FaultConfig(
        error_rate=args.error_rate,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
        reset_rate=args.reset_rate,
        truncate_rate=args.truncate_rate,
        seed=args.fault_seed,
    )
    servers = start_all(sandbox_db(Path(args.dir)), faults=faults if faults.active else None)
    env = environment(servers)
    if faults.active:
        _say(f"Injecting faults: {faults}")
    _say("Sandbox APIs are up. Point psops at them with:")
    for key, value in env.items():
        _say(f"export {key}={value}")
    if args.env_file:
        write_env_file(env, Path(args.env_file))
        _say(f"(also written to {args.env_file}, which psops and dagster dev read)")
    _say("Ctrl-C stops them.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(servers)
    return EXIT_OK


def cmd_sandbox_backfill(args: argparse.Namespace) -> int:
    from orchestration.backfill import backfill, replay_dates
    from orchestration.resources import pin_warehouse_dir

    pin_warehouse_dir()
    as_of = as_of_date()
    days = replay_dates(as_of, args.months)
    _say(
        f"backfilling {len(days)} refreshes ({days[0]} .. {days[-1]}) of the {args.scale} "
        f"sandbox (seed {args.seed}) into {warehouse_paths().root}"
    )

    def report(step) -> None:
        outcome = "published" if step.exit_code == EXIT_OK else f"FAILED (exit {step.exit_code})"
        _say(f"  as of {step.as_of}: {outcome} in {step.seconds:.0f}s")
        for problem in step.problems:
            _err(f"    {problem}")

    steps = backfill(
        as_of,
        args.months,
        Path(args.dir),
        scale=args.scale,
        seed=args.seed,
        log_level=_log_level(args) if args.verbose else "WARNING",
        on_step=report,
    )
    total = sum(step.seconds for step in steps)
    failed = [step for step in steps if step.exit_code != EXIT_OK]
    if failed:
        _err(f"psops sandbox backfill: the refresh as of {failed[0].as_of} did not publish.")
        return EXIT_CHECK_FAILED
    _say(f"{len(steps)} refreshes in {total:.0f}s; fct_revenue_forecast_history has them all.")
    return EXIT_OK


def _print_marts(marts: list[tuple[str, int]]) -> None:
    for table, n in marts:
        _say(f"  {table:<32} {n:>10,} rows")


def _print_forecast_and_scorecard(con) -> None:
    """Next quarter's revenue forecast by layer and the current SOKR scorecard."""
    layers = con.execute(
        """SELECT quarter, layer, sum(amount) FROM marts.mart_revenue_forecast
           WHERE quarter = (SELECT min(quarter) FROM marts.mart_revenue_forecast
                            WHERE month_start >= date_trunc('quarter', as_of_date)
                                  + INTERVAL 3 MONTH)
           GROUP BY ALL ORDER BY 2"""
    ).fetchall()
    if layers:
        _say(f"\nRevenue forecast, {layers[0][0]} (next quarter), by layer:")
        for _, layer, amount in layers:
            _say(f"  {layer:<22} {amount:>14,.0f}")
        _say(f"  {'total':<22} {sum(row[2] for row in layers):>14,.0f}")
    krs = con.execute(
        """SELECT objective, kr_id, description, actual, target, score, status
           FROM marts.mart_sokr_scorecard WHERE NOT is_closed_quarter
           ORDER BY objective_id, kr_id"""
    ).fetchall()
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


def print_summary(outcome_checks: int) -> None:
    import duckdb

    from orchestration.status import published_marts

    paths = warehouse_paths()
    con = duckdb.connect(str(paths.analytics_db), read_only=True)
    try:
        _say(f"\nPublished marts in {paths.analytics_db}:")
        _print_marts(published_marts(con))
        row = con.execute(
            """SELECT date_trunc('month', date_day)::date AS month,
                      sum(billable_hours) / nullif(sum(available_hours), 0)
               FROM marts.fct_utilization_daily
               WHERE date_day < date_trunc('month', ?::date)
                 AND date_day >= date_trunc('month', ?::date) - INTERVAL 1 MONTH
               GROUP BY 1""",
            [as_of_date(), as_of_date()],
        ).fetchone()
        if row and row[1] is not None:
            _say(f"\nOrg billable utilization, {row[0]:%B %Y} (last full month): {row[1]:.1%}")
        _print_forecast_and_scorecard(con)
        _say(f"Checks passed: {outcome_checks}")
    finally:
        con.close()


def _write_pack(quarter: str | None, region: str | None, out: Path | None, pdf: bool) -> int:
    """Write the QBR pack; say where it is (or, in one line, why it is not)."""
    from orchestration.reports.pdf import ChromiumMissing
    from orchestration.reports.qbr import write_qbr_pack
    from orchestration.reports.qbr_data import NothingPublished, ReportInputError

    paths = warehouse_paths()
    try:
        pack, files = write_qbr_pack(
            paths.analytics_db, out or paths.root / "reports", quarter, region, pdf=pdf
        )
    except (NothingPublished, ReportInputError) as exc:
        _err(f"psops report: {exc}")
        return EXIT_CONFIG
    except ChromiumMissing as exc:
        _err(f"psops report: the HTML is written, the PDF is not: {exc} (or pass --no-pdf)")
        return EXIT_CONFIG
    except RuntimeError as exc:  # chromium / poppler failed: the HTML is there
        _err(f"psops report: the HTML is written, the PDF is not: {exc}")
        return EXIT_CHECK_FAILED
    c = pack.cover
    _say(f"QBR pack {pack.quarter} ({pack.region or 'all regions'}), refresh {c.run_id[:8]}")
    _say(f"  as of {c.as_of}, published {c.published_at:%Y-%m-%d %H:%M} UTC; {c.check_summary}")
    _say(f"  {files.html}")
    if files.pdf:
        _say(f"  {files.pdf} ({files.pages} pages)")
    return EXIT_OK


def cmd_report_qbr(args: argparse.Namespace) -> int:
    return _write_pack(args.quarter, args.region, Path(args.out) if args.out else None, args.pdf)


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.refresh import run_refresh
    from orchestration.resources import pin_warehouse_dir
    from orchestration.writer_lock import warehouse_writer_lock
    from sources.sandbox.generate import generate
    from sources.sandbox.serve import environment, start_all, stop_all

    pin_warehouse_dir()
    sandbox_dir = warehouse_paths().root / "sandbox"
    as_of = as_of_date()
    _say(f"1/3 generating the small sandbox organisation (seed {args.seed}, as of {as_of})")
    generate(sandbox_dir, scale="small", seed=args.seed, as_of=as_of)
    _say("2/3 starting the sandbox Jira, Salesforce and Kantata APIs on loopback")
    servers = start_all(sandbox_db(sandbox_dir))
    try:
        os.environ.update(environment(servers))
        _say("3/3 refreshing: ingest → gate → dbt build → publish")
        with warehouse_writer_lock(
            warehouse_paths().root,
            on_wait=lambda holder: _say(f"waiting for another refresh ({holder})…"),
            purpose="psops demo",
            on_takeover=_say,
        ):
            outcome = run_refresh(full=False, log_level=_log_level(args))
    finally:
        stop_all(servers)
    if outcome.exit_code != EXIT_OK:
        for failed in outcome.failed_checks:
            _err(f"BLOCKED by check {failed.check} on {failed.asset}:\n{failed.summary}")
        for error in outcome.step_errors:
            _err(f"step failed: {error}")
        return outcome.exit_code
    print_summary(outcome.passed_checks)
    return _demo_pack()


def _demo_pack() -> int:
    from orchestration.reports.pdf import ChromiumMissing, find_chromium

    _say("\nThe QBR pack (`psops report qbr`, `make report`):")
    with_pdf = find_chromium() is not None
    code = _write_pack(None, None, None, pdf=with_pdf)
    if not with_pdf:
        _say(f"  no PDF: {ChromiumMissing()}")
    return code


def cmd_checks(args: argparse.Namespace) -> int:
    """The latest run's check results (GX suites and dbt tests) as a table, failures first;
    read from psops.duckdb, so a blocked refresh shows too."""
    import duckdb

    from orchestration.dq import check_summary, run_results

    pipeline_db = warehouse_paths().pipeline_db
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


def _open_read_only(db: Path, command: str):
    """A read-only connection, or None after saying why (e.g. a refresh holds the lock)."""
    import duckdb

    from orchestration.status import connect_read_only

    try:
        return connect_read_only(db)
    except duckdb.Error as exc:
        _err(f"psops {command}: cannot read {db} ({exc}); is a refresh running?")
        return None


def _print_sources(pipeline_db: Path) -> int:
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
    as_of = as_of_date() if os.environ.get("PSOPS_AS_OF", "").strip() else None
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


def cmd_status(args: argparse.Namespace) -> int:
    """Last load per source, its freshness, the quarantine and the last publish."""
    paths = warehouse_paths()
    if not paths.pipeline_db.exists():
        _say(f"No warehouse at {paths.root} yet: run `psops refresh` (or `psops demo`).")
        return EXIT_OK
    _say(f"Warehouse {paths.root}")
    return max(_print_sources(paths.pipeline_db), _print_publish(paths.analytics_db))


def cmd_marts(args: argparse.Namespace) -> int:
    """The published marts in analytics.duckdb with their row counts."""
    from orchestration.status import published_marts

    analytics_db = warehouse_paths().analytics_db
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


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt's documentation site (catalog included) in warehouse/docs/."""
    import shutil
    import subprocess
    import tempfile

    from orchestration.resources import DBT_PROJECT_DIR, dbt_executable, pin_warehouse_dir

    pin_warehouse_dir()
    paths = warehouse_paths()
    if not paths.pipeline_db.exists():
        _err(f"psops docs: no warehouse at {paths.pipeline_db}; run `psops refresh` first.")
        return EXIT_CONFIG
    docs_dir = paths.root / "docs"
    _say(f"building dbt docs (catalog from {paths.pipeline_db}) into {docs_dir}")
    dbt_dir = str(DBT_PROJECT_DIR)
    # dbt opens its database for writing: give it a copy, so no refresh or reader minds
    scratch = Path(tempfile.mkdtemp(prefix="psops-docs-")) / "psops.duckdb"
    shutil.copyfile(paths.pipeline_db, scratch)
    done = subprocess.run(
        [
            dbt_executable(),
            "docs",
            "generate",
            "--static",
            "--quiet",
            "--project-dir",
            dbt_dir,
            "--profiles-dir",
            dbt_dir,
            "--target-path",
            str(docs_dir),
        ],
        cwd=DBT_PROJECT_DIR,
        check=False,
        env={**os.environ, PIPELINE_DB_VARIABLE: str(scratch)},
    )
    shutil.rmtree(scratch.parent, ignore_errors=True)
    if done.returncode != 0:
        _err(f"psops docs: dbt docs generate failed (exit {done.returncode}); see above.")
        return EXIT_CHECK_FAILED
    _say(f"dbt docs: {docs_dir / 'static_index.html'} (one file, opens in a browser)")
    _say(f"  or serve {docs_dir} (index.html + manifest.json + catalog.json) over HTTP")
    return EXIT_OK


def _command(subparsers, name: str, help: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line help is also its ``--help`` description."""
    return subparsers.add_parser(name, help=help, description=help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psops", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

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

    status = _command(
        sub, "status", help="last load per source, freshness, quarantine, last publish"
    )
    status.set_defaults(func=cmd_status)

    marts = _command(sub, "marts", help="the published marts with their row counts")
    marts.set_defaults(func=cmd_marts)

    report = _command(sub, "report", help="what leaders look at: the QBR pack")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    qbr = _command(
        report_sub,
        "qbr",
        help="the QBR pack as one HTML file (charts inline) and PDF, from the published marts",
    )
    qbr.add_argument("--quarter", help="YYYY-Qn (default: the quarter of the last publish)")
    qbr.add_argument("--region", help="AMER, EMEA or APAC (default: every region)")
    qbr.add_argument("--out", help="folder (default: warehouse/reports/)")
    qbr.add_argument(
        "--no-pdf", dest="pdf", action="store_false", help="only the HTML (no Chromium needed)"
    )
    qbr.set_defaults(func=cmd_report_qbr)

    docs = _command(sub, "docs", help="build dbt's documentation site into warehouse/docs/")
    docs.set_defaults(func=cmd_docs)

    checks = _command(sub, "checks", help="the latest check results as a table")
    checks.add_argument("--failed", action="store_true", help="only the failed checks")
    checks.add_argument("--run", help="a run id (default: the latest run)")
    checks.set_defaults(func=cmd_checks)

    demo = _command(sub, "demo", help="generate + serve the sandbox, refresh, print a summary")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)

    sandbox = _command(sub, "sandbox", help="the built-in sandbox of Jira, Salesforce, Kantata")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    gen = _command(sandbox_sub, "generate", help="make a synthetic PS organisation")
    gen.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--as-of", help="YYYY-MM-DD (default: PSOPS_AS_OF or today)")
    gen.add_argument("--dir", default=str(DEFAULT_SANDBOX_DIR))
    gen.add_argument(
        "--orphan-time-entries",
        type=int,
        default=0,
        help="add N time entries naming users that do not exist (gate testing)",
    )
    gen.add_argument(
        "--bad-records",
        action="store_true",
        help="serve a few records corrupted on the wire (quarantine testing)",
    )
    gen.add_argument(
        "--jira-priorities",
        choices=["default", "p1-p4"],
        default="default",
        help="the Jira site's priorities: Highest..Lowest (default) or P1..P4",
    )
    gen.add_argument(
        "--sfdc-multi-currency",
        action="store_true",
        help="a multi-currency Salesforce org (Opportunity.CurrencyIsoCode exists)",
    )
    gen.add_argument(
        "--sfdc-segment-field",
        default="Segment__c",
        metavar="API_NAME",
        help="the org's Account custom field for the segment, or 'none' (default Segment__c)",
    )
    gen.add_argument(
        "--sfdc-region-field",
        default="Region__c",
        metavar="API_NAME",
        help="the org's Account custom field for the region, or 'none' (default Region__c)",
    )
    gen.set_defaults(func=cmd_sandbox_generate)
    serve = _command(sandbox_sub, "serve", help="start the three API servers on loopback")
    serve.add_argument("--dir", default=str(DEFAULT_SANDBOX_DIR))
    serve.add_argument(
        "--env-file", default=".env", help="write the variables here too ('' to skip)"
    )
    faults = serve.add_argument_group("fault injection (seeded, per server)")
    faults.add_argument("--error-rate", type=float, default=0.0, help="share answered 5xx")
    faults.add_argument(
        "--rate-limit", type=float, default=0.0, help="requests/s; excess gets 429 (0: off)"
    )
    faults.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    faults.add_argument(
        "--reset-rate", type=float, default=0.0, help="share of dropped connections"
    )
    faults.add_argument(
        "--truncate-rate", type=float, default=0.0, help="share of 200 bodies cut short"
    )
    faults.add_argument("--fault-seed", type=int, default=0)
    serve.set_defaults(func=cmd_sandbox_serve)
    backfill = _command(
        sandbox_sub,
        "backfill",
        help="replay the sandbox month by month through full refreshes (forecast history)",
    )
    backfill.add_argument("--months", type=int, default=6, help="month ends to replay")
    backfill.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    backfill.add_argument("--seed", type=int, default=7)
    backfill.add_argument("--dir", default=str(DEFAULT_SANDBOX_DIR))
    backfill.set_defaults(func=cmd_sandbox_backfill)
    adv = _command(
        sandbox_sub,
        "advance",
        help="move the dataset forward in time (new, updated, deleted records)",
    )
    adv.add_argument("--days", type=int, default=1)
    adv.add_argument("--seed", type=int, default=None, help="default: the dataset's seed")
    adv.add_argument("--dir", default=str(DEFAULT_SANDBOX_DIR))
    adv.set_defaults(func=cmd_sandbox_advance)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # Dagster's run log has its own console handler
    load_env()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
