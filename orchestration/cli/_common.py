"""What every ``psops`` command shares: exit codes, terminal output, read-only opening."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_CHECK_FAILED, EXIT_CONFIG = 0, 1, 2


def _say(message: str = "") -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _log_level(args: argparse.Namespace) -> str:
    """Dagster's run log on the terminal: step progress normally, everything with -v."""
    return "DEBUG" if args.verbose else "INFO"


def _command(subparsers, name: str, help: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line help is also its ``--help`` description."""
    return subparsers.add_parser(name, help=help, description=help)


def _print_marts(marts: list[tuple[str, int]]) -> None:
    for table, n in marts:
        _say(f"  {table:<32} {n:>10,} rows")


def _open_read_only(db: Path, command: str):
    """A read-only connection, or None after saying why (e.g. a refresh holds the lock)."""
    import duckdb

    from orchestration.status import connect_read_only

    try:
        return connect_read_only(db)
    except duckdb.Error as exc:
        _err(f"psops {command}: cannot read {db} ({exc}); is a refresh running?")
        return None
