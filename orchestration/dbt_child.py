"""``psops-dbt``: the ``dbt`` that dagster-dbt starts, bound to the life of its parent.

dagster-dbt runs dbt as a child process.  Were the refresh killed (SIGKILL, OOM), a plain
child would keep running — and writing — for minutes.  This launcher asks the Linux kernel
to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``, which survives ``exec``),
then becomes the venv's ``dbt``.  Elsewhere it simply becomes ``dbt``.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# the dbt var (in the ``--vars`` JSON of dbt's argv) holding the pid of the process that
# starts dbt: the parent this launcher must find when it asks the kernel, else the parent
# died while Python was starting
PARENT_VAR = "psops_parent_pid"


def expected_parent(argv: list[str]) -> int | None:
    """The ``psops_parent_pid`` of the ``--vars`` JSON in ``argv`` (None: not given)."""
    for i, arg in enumerate(argv):
        if arg == "--vars" and i + 1 < len(argv):
            raw = argv[i + 1]
        elif arg.startswith("--vars="):
            raw = arg.removeprefix("--vars=")
        else:
            continue
        try:
            value = str(json.loads(raw).get(PARENT_VAR, ""))
        except (ValueError, AttributeError):
            return None
        return int(value) if value.isdigit() else None
    return None


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main() -> None:
    parent = expected_parent(sys.argv[1:]) or os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told: stop too
        sys.exit(137)
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
