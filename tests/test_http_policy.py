"""Unit tests of the HTTP policy's arithmetic (``sources.common.http``): the adaptive rate
limiter (AIMD), ``Retry-After`` parsing, the earning retry budget and the throttle cap, on a
fake clock (no sleep is timed), and the numeric settings' validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.common import settings
from sources.common.connection_errors import connection_problem
from sources.common.errors import SourceConfigError, SourceUnavailableError
from sources.common.http import HttpPolicy
from sources.common.retry_budget import RetryBudget, RetryBudgetExhausted
from sources.common.throttling import RATE_FLOOR, AdaptiveRateLimiter, Throttle, retry_after_s


class FakeClock:
    """A monotonic clock that only ``sleep`` moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(ceiling: float | None = None, **kwargs) -> tuple[AdaptiveRateLimiter, FakeClock]:
    clock = FakeClock()
    return AdaptiveRateLimiter(ceiling, clock=clock, sleep=clock.sleep, **kwargs), clock


def test_without_a_ceiling_or_a_429_requests_are_not_spaced() -> None:
    rl, clock = limiter()
    starts = [(rl.acquire(), clock.now)[1] for _ in range(10)]
    assert starts == [100.0] * 10
    assert rl.rate is None and clock.slept == []


def test_a_ceiling_spaces_requests_evenly_from_the_start() -> None:
    rl, clock = limiter(4.0)
    starts = [(rl.acquire(), clock.now)[1] for _ in range(5)]
    assert starts == pytest.approx([100.0, 100.25, 100.5, 100.75, 101.0])
    assert rl.rate == 4.0


def test_a_429_pauses_the_source_until_retry_after_and_halves_the_observed_rate() -> None:
    rl, clock = limiter()
    sent = [rl.acquire() for _ in range(8)]  # 8 requests within the last second
    rl.throttled(sent[-1], retry_after_s=2.0)
    assert rl.rate == 4.0  # half of 8/s
    assert rl.paused_until == 102.0
    rl.acquire()
    assert clock.now == 102.0  # nobody sends before Retry-After
    rl.acquire()
    assert clock.now == 102.25  # then evenly at the new rate


def test_429s_for_requests_sent_before_the_cut_cut_only_once() -> None:
    rl, clock = limiter()
    sent = [rl.acquire() for _ in range(8)]  # all in flight when the first 429 comes back
    for at in sent:
        rl.throttled(at, retry_after_s=1.0)
    assert rl.rate == 4.0 and rl.cuts == 1
    after = rl.acquire()  # sent after the cut: its 429 cuts again
    clock.now += 0.1
    rl.throttled(after, retry_after_s=1.0)
    assert rl.cuts == 2
    assert rl.rate == pytest.approx(max(RATE_FLOOR, min(4.0, 1.0) / 2))


def test_the_rate_never_falls_below_the_floor() -> None:
    rl, clock = limiter(floor=0.5)
    for _ in range(10):
        at = rl.acquire()
        clock.now += 5  # a lone request now and then: observed 1/s, then 0/s
        rl.throttled(at, retry_after_s=0.0)
    assert rl.rate == 0.5


def test_successes_raise_the_rate_additively_up_to_the_ceiling_never_above() -> None:
    rl, clock = limiter(5.0, step=0.25)
    rl.rate = 2.0
    rl.succeeded()
    assert rl.rate == pytest.approx(2.125)  # + step / rate
    for _ in range(1000):
        rl.succeeded()
    assert rl.rate == 5.0


def test_without_a_ceiling_a_cut_rate_regains_about_step_per_second_of_successes() -> None:
    rl, clock = limiter(step=0.25)
    sent = [rl.acquire() for _ in range(6)]
    rl.throttled(sent[-1], retry_after_s=1.0)
    assert rl.rate == 3.0
    start = clock.now
    while rl.rate < 4.0:  # requests paced by the limiter, every one a success
        rl.acquire()
        rl.succeeded()
    regained_per_s = 1.0 / (clock.now - start)
    assert 0.2 < regained_per_s < 0.4


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 10, 15, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s("3", now) == 3.0
    assert retry_after_s(" 120 ", now) == 120.0
    assert retry_after_s("Thu, 15 Oct 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_s("Thu, 15 Oct 2026 11:59:00 GMT", now) == 0.0  # already past
    assert retry_after_s(None, now) is None
    assert retry_after_s("soon", now) is None
    assert retry_after_s("-5", now) is None


def test_the_budget_grows_with_successes_and_stays_spent_once_spent() -> None:
    budget = RetryBudget("kantata", total=2, earned_per_success=0.5)
    budget.spend("HTTP 503")
    budget.spend("HTTP 503")
    for _ in range(4):
        budget.earn()  # 4 successes earn 2 retries
    budget.spend("HTTP 502")
    budget.spend("HTTP 502")
    with pytest.raises(RetryBudgetExhausted) as spent:
        budget.spend("HTTP 500 from GET /api/v1/users.json")
    message = str(spent.value)
    assert message.startswith("kantata: gave up after 4 retries this run")
    assert "PSOPS_RETRY_BUDGET=2 plus 2 earned by 4 successes" in message
    assert "last error: HTTP 500 from GET /api/v1/users.json" in message
    for _ in range(10):
        budget.earn()
    with pytest.raises(RetryBudgetExhausted):
        budget.spend("HTTP 503")  # a spent budget is not revived by later successes


def test_a_request_throttled_past_the_cap_gives_up_naming_the_source(monkeypatch) -> None:
    throttle = Throttle("jira", "GET /rest/api/3/myself", max_throttled_s=60.0)
    clock = FakeClock()
    monkeypatch.setattr("sources.common.throttling.time.monotonic", clock)
    assert throttle.delay("30") == 30.0
    clock.now += 30
    assert throttle.delay(None) == 2.0  # no Retry-After: 1 s doubling (second 429)
    clock.now += 2
    with pytest.raises(SourceUnavailableError) as gave_up:
        throttle.delay("40")  # 32 s waited + 40 > 60
    assert str(gave_up.value) == (
        "jira: GET /rest/api/3/myself is still rate limited (HTTP 429) after 3 tries in 32s; "
        "the server asks to wait 40s more, past the 60s psops waits for one request"
    )


def test_a_dead_source_is_given_up_on_once_and_a_flaky_one_is_not() -> None:
    dead = HttpPolicy("kantata", RetryBudget("kantata"))
    dead.check_up()
    message = dead.give_up("connection refused on GET /api/v1/users.json", 8, started=0.0)
    assert message == (
        "kantata: connection refused on GET /api/v1/users.json (still failing after 8 retries)"
    )
    with pytest.raises(SourceUnavailableError, match="not asking kantata again this run"):
        dead.check_up()

    flaky = HttpPolicy("kantata", RetryBudget("kantata"))
    flaky.succeeded()  # another request got through meanwhile: the source is alive
    flaky.give_up("HTTP 503 from GET /api/v1/users.json", 8, started=flaky.last_success - 1)
    flaky.check_up()


def test_connection_problems_are_named_from_the_root_cause() -> None:
    import requests

    try:
        requests.get("http://127.0.0.1:1/", timeout=2)
    except requests.RequestException as exc:
        assert connection_problem(exc) == "connection refused"
    assert connection_problem(ValueError("bad JSON")) is None


@pytest.mark.parametrize(
    ("variable", "raw", "problem"),
    [
        ("PSOPS_MAX_WORKERS", "abc", "'abc' is not a whole number"),
        ("PSOPS_MAX_WORKERS", "0", "'0' is not a whole number >= 1"),
        ("PSOPS_COMMIT_EVERY", "1.5", "'1.5' is not a whole number"),
        ("PSOPS_RETRY_BUDGET", "-1", "'-1' is not a whole number >= 0"),
        ("PSOPS_RETRY_BACKOFF", "fast", "'fast' is not a number"),
        ("PSOPS_RETRY_BACKOFF", "nan", "'nan' is not a number >= 0"),
        ("PSOPS_KANTATA_RATE_LIMIT", "-2", "'-2' is not a number >= 0"),
        ("PSOPS_JIRA_OVERLAP_MINUTES", "5m", "'5m' is not a whole number"),
    ],
)
def test_each_invalid_numeric_setting_names_its_variable(
    variable: str, raw: str, problem: str
) -> None:
    source = "jira" if "JIRA" in variable else "kantata"
    with pytest.raises(SourceConfigError) as bad:
        settings.read_run_settings({variable: raw}, source)
    assert bad.value.variable == variable
    assert bad.value.problem == problem


def test_numeric_settings_default_when_unset_and_read_when_set() -> None:
    run = settings.read_run_settings({}, "jira")
    assert (run.max_workers, run.commit_every, run.retry_budget) == (4, 5000, 300)
    assert (run.retry_backoff, run.rate_limit, run.jira_overlap_minutes) == (0.5, None, 5)
    environ = {
        "PSOPS_MAX_WORKERS": " 2 ",
        "PSOPS_JIRA_RATE_LIMIT": "7.5",
        "PSOPS_SALESFORCE_RATE_LIMIT": "0",  # 0: no ceiling
    }
    assert settings.read_run_settings(environ, "jira").max_workers == 2
    assert settings.read_run_settings(environ, "jira").rate_limit == 7.5
    assert settings.read_run_settings(environ, "salesforce").rate_limit is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("htp://x", "'htp://x' is not a http:// or https:// URL"),
        ("example.com", "'example.com' is not a http:// or https:// URL"),
        ("https://", "'https://' names no host"),
        ("https://host:port", "'https://host:port' is not a URL"),
    ],
)
def test_urls_need_an_http_scheme_and_a_host(value: str, problem: str) -> None:
    with pytest.raises(SourceConfigError) as bad:
        settings.validated_url("kantata", "KANTATA_URL", value)
    assert (bad.value.variable, bad.value.problem) == ("KANTATA_URL", problem)
    assert settings.validated_url("kantata", "KANTATA_URL", "https://x.example/") == (
        "https://x.example/"
    )
