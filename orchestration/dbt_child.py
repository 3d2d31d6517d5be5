"""``psops-dbt``: the ``dbt`` that dagster-dbt starts, bound to the life of its parent.

dagster-dbt runs dbt as a child process.  Were the refresh killed (SIGKILL, OOM), a plain
child would keep running — and writing — for minutes.  This launcher asks the Linux kernel
to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``), then runs dbt's command
line (the venv's ``dbt``) in this process.  When dbt is done the process leaves at once
(``orchestration.process_exit``: dbt-duckdb's exit handler closes its DuckDB connection;
Python's teardown of dbt's objects, ~0.5 s a build, is skipped).  Elsewhere it simply runs
dbt.

``--psops-as-of=YYYY-MM-DD`` becomes ``PSOPS_AS_OF`` in dbt's environment: the refresh's
as-of date, which dbt reads as it executes (``macros/as_of_date.sql``).  Passed as a dbt
``--vars`` value instead, a new day's date would make dbt re-parse the whole project.

``psops-dbt --version`` answers from the installed packages: dagster-dbt asks it once per
run, and dbt's own ``--version`` imports dbt and asks PyPI for the latest release (~3.7 s,
and a wait on a machine without the internet).
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
import signal
import sys

from orchestration.process_exit import exit_code, exit_now
from orchestration.settings import export_environment
from sources.common.config import AS_OF_VARIABLE

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# psops-dbt's own arguments, taken out before dbt sees the rest.  Not dbt --vars: dbt
# re-parses the whole project when its vars change (partial parsing, issue 16).
# The pid of the process that starts dbt, the parent this launcher must find when it asks
# the kernel, else the parent died while Python was starting.
PARENT_FLAG = "--psops-parent-pid"
# The run's as-of date, set as PSOPS_AS_OF for dbt.
AS_OF_FLAG = "--psops-as-of"


def split_own_flags(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """``({flag: value} of psops-dbt's own ``--flag=value`` arguments, the rest for dbt)``."""
    own, rest = {}, []
    for arg in argv:
        flag, _, value = arg.partition("=")
        if flag in (PARENT_FLAG, AS_OF_FLAG):
            own[flag] = value
        else:
            rest.append(arg)
    return own, rest


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def installed_version() -> str:
    """What ``dbt --version`` says of dbt-core (the version line dagster-dbt reads)."""
    return f"Core:\n  - installed: {importlib.metadata.version('dbt-core')}"


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(installed_version())
        return
    own, argv = split_own_flags(sys.argv[1:])
    expected = own.get(PARENT_FLAG, "")
    parent = int(expected) if expected.isdigit() else os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told: stop too
        sys.exit(137)
    if own.get(AS_OF_FLAG):
        export_environment({AS_OF_VARIABLE: own[AS_OF_FLAG]})
    exit_now(run_dbt(argv))


def run_dbt(argv: list[str]) -> int:
    """``dbt <argv>`` in this process, as the venv's ``dbt`` script runs it: its exit code."""
    from dbt.cli.main import cli

    try:
        cli(args=argv, prog_name="dbt")  # click's standalone mode: leaves by SystemExit
    except SystemExit as stop:
        return exit_code(stop)
    return 0


if __name__ == "__main__":
    main()
