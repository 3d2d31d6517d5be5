"""``psops sandbox generate|serve|backfill|advance``: the built-in sandbox."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from orchestration.cli._common import EXIT_CHECK_FAILED, EXIT_OK, _command, _err, _log_level, _say
from orchestration.settings import Settings
from sources.sandbox.serve import DEFAULT_SANDBOX_DIR, sandbox_db


def cmd_sandbox_generate(args: argparse.Namespace, settings: Settings) -> int:
    from sources.sandbox.generate import generate
    from sources.sandbox.salesforce_org import SalesforceOrg

    def sfdc_field(name: str) -> str | None:
        return None if name.lower() == "none" else name

    as_of = date.fromisoformat(args.as_of) if args.as_of else settings.as_of_date()
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


def cmd_sandbox_advance(args: argparse.Namespace, settings: Settings) -> int:
    from sources.sandbox.advance import advance

    counts = advance(Path(args.dir), days=args.days, seed=args.seed)
    _say(f"sandbox in {args.dir} advanced {args.days} day(s): new / updated / deleted")
    for table, changes in sorted(counts.items()):
        _say(
            f"  {table:<40} {changes['new']:>7,} {changes['updated']:>7,} {changes['deleted']:>7,}"
        )
    _say("Restart `psops sandbox serve` to serve the advanced dataset.")
    return EXIT_OK


def cmd_sandbox_serve(args: argparse.Namespace, settings: Settings) -> int:
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
    servers = start_all(
        sandbox_db(Path(args.dir)), faults=faults if faults.active else None, first_port=args.port
    )
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


def cmd_sandbox_backfill(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.backfill import backfill, replay_dates

    as_of = settings.as_of_date()
    days = replay_dates(as_of, args.months)
    _say(
        f"backfilling {len(days)} refreshes ({days[0]} .. {days[-1]}) of the {args.scale} "
        f"sandbox (seed {args.seed}) into {settings.warehouse.root}"
    )

    def report(step) -> None:
        outcome = "published" if step.exit_code == EXIT_OK else f"FAILED (exit {step.exit_code})"
        _say(f"  as of {step.as_of}: {outcome} in {step.seconds:.0f}s")
        for problem in step.problems:
            _err(f"    {problem}")

    steps = backfill(
        settings,
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


def add_sandbox_parser(sub: argparse._SubParsersAction) -> None:
    """``psops sandbox`` and its subcommands."""
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
    serve.add_argument(
        "--port",
        type=int,
        default=0,
        help="Jira's port, Salesforce and Kantata on the next two (default: any free ports); "
        "the same URLs after a restart, as a vendor's",
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
