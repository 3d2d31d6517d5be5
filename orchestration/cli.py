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

from sources.common.config import as_of_date, load_env, warehouse_paths
from sources.common.errors import SourceConfigError
from sources.sandbox.serve import DEFAULT_SANDBOX_DIR, sandbox_db

EXIT_OK, EXIT_CHECK_FAILED, EXIT_CONFIG = 0, 1, 2


def _say(message: str = "") -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _log_level(args: argparse.Namespace) -> str:
    """Dagster's run log on the terminal: step progress normally, everything with -v."""
    return "DEBUG" if args.verbose else "INFO"


def cmd_refresh(args: argparse.Namespace) -> int:
    from orchestration.refresh import preflight, run_refresh
    from orchestration.resources import pin_warehouse_dir

    pin_warehouse_dir()
    try:
        as_of_date()
        preflight()
    except SourceConfigError as exc:
        _err(f"psops refresh: configuration error: {exc}. Nothing was written.")
        return EXIT_CONFIG
    started = time.monotonic()
    _say(
        f"psops refresh{' --full' if args.full else ''}: as of {as_of_date()}, "
        f"warehouse {warehouse_paths().root}"
    )
    outcome = run_refresh(full=args.full, log_level=_log_level(args))
    elapsed = time.monotonic() - started
    for warned in outcome.warned_checks:
        _say(f"warning: check {warned.check} on {warned.asset}: {warned.description}")
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
    _err(
        f"psops refresh: nothing was published; {warehouse_paths().analytics_db} is unchanged "
        f"(run {outcome.run_id})."
    )
    return EXIT_CHECK_FAILED


def cmd_sandbox_generate(args: argparse.Namespace) -> int:
    from sources.sandbox.generate import generate

    as_of = date.fromisoformat(args.as_of) if args.as_of else as_of_date()
    started = time.monotonic()
    counts = generate(
        Path(args.dir),
        scale=args.scale,
        seed=args.seed,
        as_of=as_of,
        orphan_time_entries=args.orphan_time_entries,
    )
    _say(
        f"sandbox ({args.scale}, seed {args.seed}, as of {as_of}) written to "
        f"{sandbox_db(Path(args.dir))} in {time.monotonic() - started:.1f}s:"
    )
    for table, n in sorted(counts.items()):
        _say(f"  {table:<40} {n:>12,}")
    return EXIT_OK


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from sources.sandbox.serve import environment, start_all, stop_all, write_env_file

    servers = start_all(sandbox_db(Path(args.dir)))
    env = environment(servers)
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


def print_summary(outcome_checks: int) -> None:
    import duckdb

    paths = warehouse_paths()
    con = duckdb.connect(str(paths.analytics_db), read_only=True)
    try:
        _say(f"\nPublished marts in {paths.analytics_db}:")
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall():
            n = con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0]
            _say(f"  {table:<32} {n:>10,} rows")
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
        _say(f"Checks passed: {outcome_checks}")
    finally:
        con.close()


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.refresh import run_refresh
    from orchestration.resources import pin_warehouse_dir
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
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psops", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    refresh = sub.add_parser("refresh", help="ingest → gate → dbt build → publish")
    refresh.add_argument(
        "--full",
        action="store_true",
        help="re-extract everything instead of resuming from each cursor",
    )
    refresh.set_defaults(func=cmd_refresh)

    demo = sub.add_parser("demo", help="generate + serve the sandbox, refresh, print a summary")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)

    sandbox = sub.add_parser("sandbox", help="the built-in sandbox of Jira, Salesforce, Kantata")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    gen = sandbox_sub.add_parser("generate", help="make a synthetic PS organisation")
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
    gen.set_defaults(func=cmd_sandbox_generate)
    serve = sandbox_sub.add_parser("serve", help="start the three API servers on loopback")
    serve.add_argument("--dir", default=str(DEFAULT_SANDBOX_DIR))
    serve.add_argument(
        "--env-file", default=".env", help="write the variables here too ('' to skip)"
    )
    serve.set_defaults(func=cmd_sandbox_serve)
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
