"""A throw-away PostgreSQL cluster on loopback, for the tests and CI (Debian's ``postgresql``
package: ``initdb`` / ``pg_ctl`` under ``/usr/lib/postgresql/<version>/bin``).

    python3 tests/pg_cluster.py start DIR   # prints the DSN (superuser ``psops``, trust auth)
    python3 tests/pg_cluster.py stop DIR

``.ci/run`` starts one and exports its DSN as ``PSOPS_TEST_PG_DSN``; without that variable
the tests start their own (``tests/conftest.py``).  PostgreSQL refuses to run as root, so as
root the cluster belongs to the ``postgres`` system user.  Standard library only: CI calls it
before any virtualenv exists.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

USER = "psops"


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""

    def version(initdb: str) -> int:
        name = Path(initdb).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dsn_file(root: Path) -> Path:
    return root / "dsn"


def start(root: Path) -> str:
    """Create (once) and start the cluster in ``root``; return its DSN."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    root = root.resolve()
    data, sockets = root / "data", root / "sockets"
    root.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            _as_owner(
                [str(binaries / "initdb"), "-D", str(data), "-U", USER, "-A", "trust"]
                + ["--no-sync", "-E", "UTF8", "--locale=C"]
            ),
            check=True,
            capture_output=True,
        )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
        "-c TimeZone=UTC"
    )
    subprocess.run(
        _as_owner(
            [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
            + ["-o", options, "-w", "-t", "60", "start"]
        ),
        check=True,
        capture_output=True,
    )
    dsn = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    dsn_file(root).write_text(dsn + "\n")
    return dsn


def stop(root: Path) -> None:
    binaries = bin_dir()
    data = root.resolve() / "data"
    if binaries is None or not (data / "postmaster.pid").exists():
        return
    subprocess.run(
        _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=False,
        capture_output=True,
    )


def wait_ready(dsn: str, timeout: float = 30.0) -> None:
    """Block until the server accepts TCP connections (pg_ctl -w already waits)."""
    host, port = dsn.rsplit("@", 1)[1].split("/")[0].split(":")
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    where = Path(sys.argv[2])
    if sys.argv[1] == "start":
        print(start(where))
    else:
        stop(where)
