"""``psops-dbt``: the ``dbt`` that dagster-dbt starts, bound to the life of its parent.

dagster-dbt runs dbt as a child process.  Were the refresh killed (SIGKILL, OOM), a plain
child would keep running — and writing — for minutes.  This launcher asks the Linux kernel
to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``, which survives ``exec``),
then becomes the venv's ``dbt``.  Elsewhere it simply becomes ``dbt``.

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
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# psops-dbt's own argument, taken out before dbt sees the rest: the pid of the process that
# starts dbt, the parent this launcher must find when it asks the kernel, else the parent
# died while Python was starting.  Not a dbt --var: dbt re-parses the whole project when
# its vars change, and a pid changes every run (partial parsing, issue 16)
PARENT_FLAG = "--psops-parent-pid"


def split_parent(argv: list[str]) -> tuple[int | None, list[str]]:
    """``(pid of --psops-parent-pid=N or None, argv without it)``."""
    parent, rest = None, []
    for arg in argv:
        if arg.startswith(PARENT_FLAG + "="):
            value = arg.removeprefix(PARENT_FLAG + "=")
            parent = int(value) if value.isdigit() else None
        else:
            rest.append(arg)
    return parent, rest


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
    expected, argv = split_parent(sys.argv[1:])
    parent = expected or os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told: stop too
        sys.exit(137)
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(dbt, [str(dbt), *argv])


if __name__ == "__main__":
    main()
