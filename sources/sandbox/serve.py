"""Start the three sandbox API servers on loopback and say how to point psops at them."""

from __future__ import annotations

import os
from pathlib import Path

from sources.sandbox.faults import FaultConfig
from sources.sandbox.server_base import RunningServer

DEFAULT_SANDBOX_DIR = Path("warehouse") / "sandbox"


def sandbox_db(directory: Path) -> Path:
    return Path(directory) / "sandbox.duckdb"


def start_all(
    db_path: Path,
    host: str = "127.0.0.1",
    faults: FaultConfig | None = None,
    first_port: int = 0,
) -> list[RunningServer]:
    """Jira, Salesforce (HTTPS) and Kantata servers over one sandbox dataset, in that order,
    each injecting ``faults`` (with its own RNG seeded by ``faults.seed``).  ``first_port``:
    Jira's port, Salesforce and Kantata on the two after it; 0: any free port each.  Fixed
    ports keep the sandbox's URLs from one start to the next, as a vendor's stay: Jira
    writes its URL into every record (``self``), so a restart on new ports changes the
    content of every Jira table a refresh re-reads."""
    from sources.sandbox import jira_api, kantata_api, salesforce_api

    if not Path(db_path).exists():
        raise FileNotFoundError(
            f"no sandbox dataset at {db_path}: run `psops sandbox generate` first"
        )
    servers: list[RunningServer] = []
    try:
        for offset, module in enumerate((jira_api, salesforce_api, kantata_api)):
            port = first_port + offset if first_port else 0
            servers.append(module.start(Path(db_path), host=host, port=port, faults=faults))
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: list[RunningServer]) -> None:
    for server in servers:
        server.stop()


def environment(servers: list[RunningServer]) -> dict[str, str]:
    env: dict[str, str] = {}
    for server in servers:
        env.update(server.env)
    return env


def write_env_file(env: dict[str, str], path: Path) -> None:
    """Write (or update) ``KEY=value`` lines in a ``.env`` file, keeping other lines.  The
    file holds credentials: it is created with mode 0600, never readable by others even
    for a moment, and an existing file is narrowed to 0600 before it is rewritten."""
    path = Path(path)
    kept: list[str] = []
    if path.exists():
        os.chmod(path, 0o600)
        kept = [
            line
            for line in path.read_text().splitlines()
            if line.split("=", 1)[0].strip() not in env
        ]
    lines = kept + [f"{key}={value}" for key, value in env.items()]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)  # an existing file keeps its mode on open
        out.write("\n".join(lines) + "\n")
