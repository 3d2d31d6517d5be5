"""Fault injection and the request log of the sandbox servers: seeded, reproducible, and a
client that retries always gets through."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from sources.sandbox import jira_api, kantata_api
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER, KANTATA_TOKEN
from sources.sandbox.faults import MAX_CONSECUTIVE_FAULTS, FaultConfig, FaultInjector
from sources.sandbox.request_log import RequestLogEntry
from sources.sandbox.server_base import RunningServer

KANTATA_AUTH = {"Authorization": f"Bearer {KANTATA_TOKEN}"}


@contextmanager
def kantata(sandbox_db: Path, faults: FaultConfig | None) -> Iterator[RunningServer]:
    server = kantata_api.start(sandbox_db, faults=faults)
    try:
        yield server
    finally:
        server.stop()


def outcome(url: str, headers: dict[str, str] | None = None) -> str:
    """One attempt without retries: the status, 'reset' or 'truncated'."""
    try:
        response = requests.get(url, headers=headers or KANTATA_AUTH, timeout=10)
        response.json()
    except requests.exceptions.ChunkedEncodingError:
        return "truncated"
    except requests.exceptions.ConnectionError:
        return "reset"
    return str(response.status_code)


def page_urls(server: RunningServer, n: int) -> list[str]:
    return [f"{server.url}/api/v1/users.json?per_page=1&page={i + 1}" for i in range(n)]


# --- the decisions -----------------------------------------------------------------------


def test_fault_kinds_occur_at_the_configured_rates() -> None:
    config = FaultConfig(error_rate=0.10, reset_rate=0.05, truncate_rate=0.20, seed=11)
    injector = FaultInjector(config)
    kinds = Counter(injector.decide(("GET", f"/page/{i}")).kind for i in range(20_000))
    assert abs(kinds["error"] / 20_000 - 0.10) < 0.01
    assert abs(kinds["reset"] / 20_000 - 0.05) < 0.01
    # truncation is drawn for the requests that were neither errors nor resets
    assert abs(kinds["truncate"] / 20_000 - 0.85 * 0.20) < 0.01
    assert kinds[None] == 20_000 - kinds["error"] - kinds["reset"] - kinds["truncate"]


def test_the_same_seed_gives_the_same_faults_and_another_seed_other_ones() -> None:
    def sequence(seed: int) -> list[tuple]:
        injector = FaultInjector(FaultConfig(error_rate=0.3, reset_rate=0.1, seed=seed))
        return [(f.kind, f.status) for f in (injector.decide(("GET", str(i))) for i in range(200))]

    assert sequence(5) == sequence(5)
    assert sequence(5) != sequence(6)


def test_errors_are_500_502_or_503() -> None:
    injector = FaultInjector(FaultConfig(error_rate=0.9, seed=1))
    statuses = {injector.decide(("GET", str(i))).status for i in range(300)} - {None}
    assert statuses == {500, 502, 503}


def test_the_same_request_is_never_faulted_more_than_three_times_in_a_row() -> None:
    injector = FaultInjector(FaultConfig(error_rate=0.6, reset_rate=0.39, seed=3))
    streak, longest = 0, 0
    for _ in range(2_000):
        if injector.decide(("GET", "/the/same/page")).kind is None:
            streak = 0
        else:
            streak += 1
            longest = max(longest, streak)
    assert longest == MAX_CONSECUTIVE_FAULTS == 3


def test_the_rate_limit_answers_the_excess_of_a_second_with_429_and_retry_after() -> None:
    now = [100.0]
    injector = FaultInjector(FaultConfig(rate_limit=3), clock=lambda: now[0])
    first_second = [injector.decide(("GET", str(i))) for i in range(5)]
    assert [f.status for f in first_second] == [None, None, None, 429, 429]
    assert [f.retry_after for f in first_second] == [None, None, None, 1, 1]
    now[0] = 101.0  # the window has rolled over
    assert [injector.decide(("GET", str(i))).status for i in range(4)] == [None, None, None, 429]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"error_rate": 1.0}, "error_rate must be in"),
        ({"error_rate": 0.6, "reset_rate": 0.4}, "must stay below 1"),
        ({"rate_limit": -1}, "must not be negative"),
    ],
)
def test_a_config_no_client_could_get_through_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultConfig(**kwargs)


# --- over HTTP -----------------------------------------------------------------------------


def test_each_fault_kind_reaches_the_client_as_a_real_api_would_send_it(
    sandbox_db: Path,
) -> None:
    config = FaultConfig(error_rate=0.15, reset_rate=0.1, truncate_rate=0.15, seed=2)
    with kantata(sandbox_db, config) as server:
        seen = [outcome(url) for url in page_urls(server, 60)]
        log = server.requests
    assert len(log) == 60
    expected = {"error": None, "reset": "reset", "truncate": "truncated", None: "200"}
    for entry, got in zip(log, seen, strict=True):
        assert got == (str(entry.status) if entry.fault == "error" else expected[entry.fault])
    assert {entry.fault for entry in log} == {None, "error", "reset", "truncate"}


def test_a_sequential_client_sees_the_same_faults_on_every_run(sandbox_db: Path) -> None:
    config = FaultConfig(error_rate=0.2, reset_rate=0.1, truncate_rate=0.1, seed=9)
    runs = []
    for _ in range(2):
        with kantata(sandbox_db, config) as server:
            runs.append([outcome(url) for url in page_urls(server, 25)])
    assert runs[0] == runs[1]
    assert set(runs[0]) - {"200"}  # some faults happened


def test_a_retrying_client_gets_every_page_within_four_attempts(sandbox_db: Path) -> None:
    config = FaultConfig(error_rate=0.4, reset_rate=0.2, truncate_rate=0.5, seed=4)
    with kantata(sandbox_db, config) as server:
        attempts = []
        for url in page_urls(server, 20):
            tries = 1
            while outcome(url) != "200":
                tries += 1
            attempts.append(tries)
    assert max(attempts) <= MAX_CONSECUTIVE_FAULTS + 1
    assert max(attempts) > 1


def test_429_carries_retry_after_in_whole_seconds(sandbox_db: Path) -> None:
    with kantata(sandbox_db, FaultConfig(rate_limit=2)) as server:
        responses = [
            requests.get(url, headers=KANTATA_AUTH, timeout=10) for url in page_urls(server, 4)
        ]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, [r.status_code for r in responses]
    assert all(r.headers["Retry-After"] == "1" for r in limited)
    assert limited[0].json() == {
        "errors": [{"type": "system", "message": "Rate limit exceeded: retry later"}]
    }


def test_a_wrong_credential_gets_401_and_never_a_fault(sandbox_db: Path) -> None:
    config = FaultConfig(error_rate=0.5, reset_rate=0.4, seed=1)
    with kantata(sandbox_db, config) as server:
        seen = {outcome(url, {"Authorization": "Bearer wrong"}) for url in page_urls(server, 20)}
    assert seen == {"401"}


def test_latency_is_added_to_every_request(sandbox_db: Path) -> None:
    with kantata(sandbox_db, FaultConfig(latency_ms=20)) as server:
        response = requests.get(page_urls(server, 1)[0], headers=KANTATA_AUTH, timeout=10)
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.02


def test_the_request_log_records_method_path_query_status_and_fault(sandbox_db: Path) -> None:
    with kantata(sandbox_db, None) as server:
        requests.get(
            f"{server.url}/api/v1/time_entries.json?per_page=5&updated_after=2026-10-01",
            headers=KANTATA_AUTH,
            timeout=10,
        )
        requests.get(f"{server.url}/api/v1/nothing.json", headers=KANTATA_AUTH, timeout=10)
        log = server.requests
        server.clear_requests()
        assert server.requests == []
    assert log == [
        RequestLogEntry(
            "GET",
            "/api/v1/time_entries.json",
            {"per_page": "5", "updated_after": "2026-10-01"},
            200,
            None,
        ),
        RequestLogEntry(
            "GET",
            "/api/v1/nothing.json",
            {},
            404,
            None,
            contract_problems=("GET /api/v1/nothing.json is not a Kantata endpoint psops reads",),
        ),
    ]


def test_the_request_log_keeps_the_json_body_of_a_jira_search(sandbox_db: Path) -> None:
    basic = base64.b64encode(f"{JIRA_USER}:{JIRA_API_TOKEN}".encode()).decode()
    server = jira_api.start(sandbox_db)
    try:
        requests.post(
            f"{server.url}/rest/api/3/search/jql",
            json={"jql": 'updated >= "2026-10-14 00:00"', "maxResults": 1},
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )
        (entry,) = server.requests
    finally:
        server.stop()
    assert (entry.method, entry.path, entry.status) == ("POST", "/rest/api/3/search/jql", 200)
    assert entry.body == {"jql": 'updated >= "2026-10-14 00:00"', "maxResults": 1}
