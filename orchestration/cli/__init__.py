"""``psops``: the operator's command line.

Exit codes (DESIGN.md): 0 published; 1 a blocking check (or a step) failed and nothing was
published; 2 configuration error (the missing or refused variable is named).
"""

from __future__ import annotations

import argparse
import logging
from typing import NoReturn

from orchestration.cli.docs import add_docs_parser
from orchestration.cli.refresh import add_demo_parser, add_refresh_parser, print_summary
from orchestration.cli.report import add_report_parser
from orchestration.cli.sandbox import add_sandbox_parser
from orchestration.cli.status import add_checks_parser, add_marts_parser, add_status_parser
from orchestration.process_exit import exit_now
from orchestration.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psops", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    add_refresh_parser(sub)
    add_status_parser(sub)
    add_marts_parser(sub)
    add_report_parser(sub)
    add_docs_parser(sub)
    add_checks_parser(sub)
    add_demo_parser(sub)
    add_sandbox_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # Dagster's run log has its own console handler
    # the edge: the environment (and .env) read once, handed to the command
    return args.func(args, Settings.from_env())


def run() -> NoReturn:
    """The ``psops`` command: ``main``, then out at once (``orchestration.process_exit``)."""
    exit_now(main())


__all__ = ["build_parser", "main", "print_summary", "run"]
