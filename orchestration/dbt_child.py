"""``psops-dbt``: the ``dbt`` that dagster-dbt starts, bound to the life of its parent.

dagster-dbt runs dbt as a child process.  Were the refresh killed (SIGKILL, OOM), a plain
child would keep running — and writing — for minutes.  This launcher asks the Linux kernel
to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``, which survives ``exec``),
then becomes the venv's ``dbt``.  Elsewhere it simply becomes ``dbt``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# the pid of the process that starts dbt, in dbt's environment: the parent this launcher
# must find when it asks the kernel, else the parent died while Python was starting.  An
# environment variable, not a dbt --var: dbt re-parses the whole project when its vars
# change, and a pid changes every run (partial parsing, issue 16)
PARENT_ENV = "PSOPS_DBT_PARENT_PID"


def expected_parent(environ: Mapping[str, str]) -> int | None:
    """The ``PSOPS_DBT_PARENT_PID`` of ``environ`` (None: not given)."""
    value = environ.get(PARENT_ENV, "").strip()
    return int(value) if value.isdigit() else None


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main() -> None:
    parent = expected_parent(os.environ) or os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told: stop too
        sys.exit(137)
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
