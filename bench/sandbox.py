"""The benchmark's sandbox: a dataset kept under the bench folder (generated only when
missing) and its three API servers started in their own process (``psops sandbox serve``),
so a connector never shares an interpreter lock with the server it reads."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

AS_OF = date(2026, 10, 15)
SEED = 7
PSOPS = [sys.executable, "-m", "orchestration.cli"]
REPO_ROOT = Path(__file__).resolve().parent.parent
CONNECTOR_PREFIXES = ("JIRA_", "SFDC_", "KANTATA_", "PSOPS_")


def ensure_dataset(directory: Path, scale: str) -> float | None:
    """Generate the ``scale`` sandbox (seed 7, as of 2026-10-15) in ``directory`` unless
    it is there; the seconds generation took, None when it was already there."""
    from sources.sandbox.generate import generate

    if (directory / "sandbox.duckdb").exists():
        return None
    print(f"generating the {scale} sandbox in {directory} ...", flush=True)
    started = time.monotonic()
    generate(directory, scale=scale, seed=SEED, as_of=AS_OF)
    return time.monotonic() - started


def dataset_as_of(directory: Path) -> str:
    """The as-of date the dataset is at (``sandbox advance`` moves it)."""
    return json.loads((directory / "manifest.json").read_text())["as_of"]


def base_env() -> dict[str, str]:
    """This process's environment without connector or psops settings, the venv first on
    PATH, GX telemetry off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CONNECTOR_PREFIXES)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["GX_ANALYTICS_ENABLED"] = "false"
    return env


def _read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def free_port_run(count: int = 3, tries: int = 50) -> int:
    """The first of ``count`` consecutive loopback ports free now (the sandbox's three)."""
    for _ in range(tries):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        try:
            for port in range(first, first + count):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


@contextmanager
def served(
    dataset_dir: Path, work_dir: Path, timeout_s: float = 120, first_port: int = 0
) -> Iterator[dict[str, str]]:
    """``psops sandbox serve`` over ``dataset_dir`` in a child process; yields the
    variables it wrote (connector URLs and credentials). Stopped with SIGTERM (a SIGINT
    may be ignored in a background job). ``first_port``: the servers' ports (see
    ``psops sandbox serve --port``), 0 for any."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env_file = work_dir / "sandbox.env"
    env_file.unlink(missing_ok=True)
    log = (work_dir / "serve.log").open("w")
    child = subprocess.Popen(
        [
            *PSOPS,
            *("sandbox", "serve", "--dir", str(dataset_dir), "--env-file", str(env_file)),
            *("--port", str(first_port)),
        ],
        cwd=REPO_ROOT,
        env=base_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while not (env_file.exists() and "KANTATA_TOKEN" in env_file.read_text()):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox servers did not start: see {log.name}")
            time.sleep(0.1)
        yield _read_env_file(env_file)
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        log.close()
