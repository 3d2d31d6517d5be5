"""Shared fixtures: one small sandbox organisation and its three API servers per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SANDBOX_AS_OF = date(2026, 10, 15)
SANDBOX_SEED = 7


@pytest.fixture(scope="session", autouse=True)
def _venv_on_path() -> None:
    """dbt and psops run as subprocesses: the venv's bin comes first on PATH."""
    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _generate(directory: Path, **kwargs) -> Path:
    from sources.sandbox.generate import generate

    generate(directory, scale="small", seed=SANDBOX_SEED, as_of=SANDBOX_AS_OF, **kwargs)
    return directory / "sandbox.duckdb"


@pytest.fixture(scope="session")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sandbox organisation (seed 7, as of 2026-10-15)."""
    return _generate(tmp_path_factory.mktemp("sandbox"))


@pytest.fixture(scope="session")
def sandbox_servers(sandbox_db: Path) -> Iterator[list]:
    """The three sandbox API servers (Jira, Salesforce, Kantata) over ``sandbox_db``."""
    from sources.sandbox.serve import start_all, stop_all

    servers = start_all(sandbox_db)
    try:
        yield servers
    finally:
        stop_all(servers)


@pytest.fixture(scope="session")
def sandbox_env(sandbox_servers: list) -> dict[str, str]:
    """The variables that point the connectors at ``sandbox_servers``."""
    from sources.sandbox.serve import environment

    return environment(sandbox_servers)


@pytest.fixture(scope="session")
def make_sandbox(tmp_path_factory: pytest.TempPathFactory):
    """Build another small sandbox with generator options (e.g. orphan_time_entries=5)."""

    def build(**kwargs) -> Path:
        return _generate(tmp_path_factory.mktemp("sandbox-variant"), **kwargs)

    return build


@pytest.fixture(scope="session")
def pg_server_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL superuser DSN: ``PSOPS_TEST_PG_DSN`` (``.ci/run`` starts a server and
    sets it), else a throw-away cluster of this session (``tests/pg_cluster.py``) when
    PostgreSQL is installed; otherwise the PostgreSQL tests are skipped, saying why."""
    from tests import pg_cluster

    given = os.environ.get("PSOPS_TEST_PG_DSN", "").strip()
    if given:
        yield given
        return
    if pg_cluster.bin_dir() is None:
        pytest.skip("PostgreSQL is not installed and PSOPS_TEST_PG_DSN is not set")
    root = tmp_path_factory.mktemp("postgres")
    try:
        yield pg_cluster.start(root)
    finally:
        pg_cluster.stop(root)


ENGINES = ("duckdb", "postgres")


@pytest.fixture(scope="module", params=ENGINES)
def dbt_engine(request: pytest.FixtureRequest) -> str | None:
    """Parametrizes a module over the two engines dbt builds on: None for DuckDB, the
    PostgreSQL server DSN for PostgreSQL — pass it to ``run_dbt(..., pg_server_dsn=...)``."""
    if request.param == "duckdb":
        return None
    return request.getfixturevalue("pg_server_dsn")
