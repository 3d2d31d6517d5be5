"""The HTTP policy over real HTTP: 429s pause the source and spend no retry budget, the
documented fault storm (``psops sandbox serve --error-rate 0.2 --rate-limit 5 --reset-rate
0.05 --truncate-rate 0.05``) is survived from an empty warehouse with the same raw rows as
a clean ingest, and a dead source stops after one request's retries, not every stream's."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sources.common.errors import SourceUnavailableError
from sources.common.http import RETRIES_PER_REQUEST
from sources.common.runner import ingest_sources
from sources.jira import SOURCE as JIRA
from sources.kantata import SOURCE as KANTATA
from sources.sandbox.faults import FaultConfig
from tests.ingest_helpers import (
    clean_ingest_of,
    connector_env,
    serving,
    snapshot,
    use_env,
)
from tests.test_refresh_e2e import psops

pytestmark = pytest.mark.e2e

STORM = FaultConfig(error_rate=0.2, rate_limit=5, reset_rate=0.05, truncate_rate=0.05, seed=11)


@pytest.fixture(scope="module")
def clean_ingest(sandbox_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clean_ingest_of(sandbox_db, tmp_path_factory.mktemp("clean"))


def test_429s_pause_the_source_and_spend_no_retry_budget(
    sandbox_db: Path, clean_ingest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira behind a 5 requests/s limit with a retry budget of 0: every 429 is waited out
    (its Retry-After), none is paid from the budget, and the rows are a clean run's."""
    db = tmp_path / "psops.duckdb"
    with serving(sandbox_db, FaultConfig(rate_limit=5)) as servers:
        use_env(monkeypatch, connector_env(servers, PSOPS_RETRY_BUDGET="0"))
        ingest_sources(db, os.environ, sources=[JIRA])
        jira = next(s for s in servers if "JIRA_URL" in s.env)
        answered = Counter(r.status for r in jira.requests)

    assert answered[429] > 0, answered  # the limit was hit ...
    assert set(answered) == {200, 429}
    assert answered[429] < answered[200] / 2  # ... and the source slowed down, not hammered on
    jira_tables = {t for t in snapshot(clean_ingest) if t.startswith("raw_jira.")}
    mine, clean = snapshot(db), snapshot(clean_ingest)
    assert {t: mine[t] for t in jira_tables} == {t: clean[t] for t in jira_tables}


def test_a_refresh_under_the_documented_storm_publishes_a_clean_runs_raw_rows(
    sandbox_db: Path, clean_ingest: Path, tmp_path: Path
) -> None:
    """`psops refresh` from an empty warehouse against servers answering 20 % 5xx, 5 %
    resets, 5 % cut-off bodies and 429 past 5 requests/s: it publishes, and its raw tables
    are row for row those of an ingest from calm servers."""
    warehouse = tmp_path / "warehouse"
    started = time.monotonic()
    with serving(sandbox_db, STORM) as servers:
        result = psops(["refresh"], connector_env(servers), warehouse)
        faults = Counter(r.fault for s in servers for r in s.requests)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stdout + result.stderr
    assert (warehouse / "analytics.duckdb").exists()
    assert {"error", "rate_limit", "reset", "truncate"} <= set(faults), faults
    assert snapshot(warehouse / "psops.duckdb") == snapshot(clean_ingest)
    print(f"storm refresh: {elapsed:.0f}s, {dict(faults)}")


def test_every_sources_check_passes_under_the_storm(
    sandbox_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preflight: few retries only for a server that cannot be reached; 5xx, resets,
    cut-off bodies and 429s get a run's retries, so the storm does not fail it."""
    from sources.registry import all_sources

    with serving(sandbox_db, STORM) as servers:
        use_env(monkeypatch, connector_env(servers))
        for _ in range(3):
            for source in all_sources():
                source.check(source.from_env(os.environ))
        faults = Counter(r.fault for s in servers for r in s.requests)
    assert {"error", "reset"} <= set(faults), faults


class _Down(BaseHTTPRequestHandler):
    """A server that answers every request 503."""

    hits = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        with _Down.lock:
            _Down.hits += 1
        body = b'{"errors": [{"message": "down"}]}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def down_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    _Down.hits = 0
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_dead_source_stops_after_one_requests_retries(
    down_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kantata answering nothing but 503: the first request to spend its retries gives the
    source up, and the streams still queued fail at once instead of retrying each."""
    monkeypatch.setenv("KANTATA_URL", down_server)
    monkeypatch.setenv("KANTATA_TOKEN", "t")
    monkeypatch.setenv("PSOPS_RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("PSOPS_MAX_WORKERS", "4")
    with pytest.raises(SourceUnavailableError) as failed:
        ingest_sources(tmp_path / "psops.duckdb", os.environ, sources=[KANTATA])
    assert "HTTP 503" in str(failed.value)
    streams = len(KANTATA.tables)
    attempts = RETRIES_PER_REQUEST + 1
    assert _Down.hits <= 4 * attempts < streams * attempts  # the in-flight requests only
