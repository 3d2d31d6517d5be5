"""One HTTP policy for every connector.

Every client path (``jira``, ``simple-salesforce``, plain ``requests``) goes through the
adapter mounted here, so each gets the same treatment:

- **Faults** (5xx, connection errors and timeouts, cut-off or unreadable bodies: a 200 whose
  JSON does not parse is a fault too) are retried with exponential backoff and jitter
  (``PSOPS_RETRY_BACKOFF`` seconds, doubling), at most ``retries_per_request`` times per
  request, each retry paid from the source's budget.
- **Throttling** (429) is not a fault: the server is up and says when to come back.  The whole
  source (every thread and session sharing its limiter) pauses until ``Retry-After`` (seconds
  or an HTTP-date, RFC 9110 §10.2.3: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3;
  Jira Cloud sends it with its 429s and asks clients to honour it:
  https://developer.atlassian.com/cloud/jira/platform/rate-limiting/), its adaptive rate is
  cut, and the request is sent again.  A 429 spends neither the budget nor the request's
  retries; a request throttled for longer than ``MAX_THROTTLED_S`` in all gives up with
  ``SourceUnavailableError``.
- **Retry budget** per source and run, shared by all its sessions: ``PSOPS_RETRY_BUDGET``
  (default 300) retries, plus ``EARNED_PER_SUCCESS`` (0.5) for every successful response.
  A source that keeps answering earns what it spends: under the documented storm
  (``--error-rate 0.2 --reset-rate 0.05 --truncate-rate 0.05``, i.e. about 0.4 retries per
  success) the allowance only grows (the small sandbox: Kantata ~450 successes, ~190 retries),
  while a source failing more than one attempt in three eventually spends it, and the run
  stops with ``RetryBudgetExhausted`` naming the source, the retries and the last error.
- **A dead source stops quickly**: a request still failing after its retries, with no
  successful response from the source meanwhile, marks the source down, and every other
  request of that source then fails at once instead of running its own retries.
- **Adaptive rate** per source (AIMD), on by default: unlimited until the first 429 (or
  ``PSOPS_<SOURCE>_RATE_LIMIT`` requests/second from the start, when set).  A 429 cuts the rate
  to ``RATE_CUT`` (half) of what the source sent in the last second (never below
  ``RATE_FLOOR``), once per congestion episode: a 429 for a request sent before the last cut
  cuts nothing.  Each success raises it by ``RATE_STEP / rate`` (about ``RATE_STEP``
  requests/s per second of traffic), never above the configured ceiling.  Under the storm's
  5 requests/s the rate swings between about 2.5 and 5 (the small sandbox's ~630 Kantata
  requests take ~170 s with a short backoff, ~220 s with the default 0.5 s).
- **Timeouts**: ``CONNECT_TIMEOUT_S`` to connect, ``DEFAULT_TIMEOUT_S`` to read.  A source's
  ``check`` uses ``check_policy``: a server that cannot be reached gets ``CHECK_RETRIES``
  retries with ``CHECK_CONNECT_TIMEOUT_S``, so an unreachable URL fails the preflight in
  seconds (``reaching`` makes that one line naming the URL, the cause and the variable),
  while a server that answers badly gets a run's retries.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.common import settings
from sources.common.errors import SourceUnavailableError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0  # read timeout
CONNECT_TIMEOUT_S = 10.0
RETRIES_PER_REQUEST = 8
BACKOFF_MAX_S = 30.0
EARNED_PER_SUCCESS = 0.5  # retries a successful response adds to the source's budget
RETRY_STATUSES = frozenset({500, 502, 503, 504})
THROTTLE_STATUS = 429
MAX_THROTTLED_S = 600.0  # one request waits at most this long in all on 429s, then gives up
DEFAULT_THROTTLE_S = 1.0  # a 429 without a (readable) Retry-After: 1 s, doubling, capped
RATE_FLOOR = 0.5  # requests/second the adaptive rate never goes below
RATE_STEP = 0.25  # requests/second the adaptive rate regains per second of successes
RATE_CUT = 0.5  # a 429 multiplies the rate the source was sending by this
OBSERVE_S = 1.0  # the window over which the sent rate is measured when a 429 cuts it
CHECK_RETRIES = 2  # a source's check: an unreachable server fails the preflight in seconds
CHECK_CONNECT_TIMEOUT_S = 5.0
BUDGET_VARIABLE = settings.RETRY_BUDGET.variable
BACKOFF_VARIABLE = settings.RETRY_BACKOFF.variable


class RetryBudgetExhausted(SourceUnavailableError):
    """The source's retry budget for this run is spent: the run stops where it is."""


class RetryBudget:
    """At most ``total`` retries for one source in one run, plus ``EARNED_PER_SUCCESS`` per
    successful response, across threads and sessions.  Once spent it stays spent."""

    def __init__(self, source: str, total: int = 300, earned_per_success: float = 0.0) -> None:
        self.source = source
        self.total = total
        self.earned_per_success = earned_per_success
        self.used = 0
        self.successes = 0
        self.last_error = ""
        self.exhausted = False
        self._lock = threading.Lock()

    @property
    def allowed(self) -> int:
        return self.total + math.floor(self.successes * self.earned_per_success)

    def earn(self) -> None:
        """A successful response: the allowance grows by ``earned_per_success``."""
        with self._lock:
            self.successes += 1

    def spend(self, error: str) -> None:
        """Take one retry, or raise ``RetryBudgetExhausted`` when none is left."""
        with self._lock:
            self.last_error = error
            if self.exhausted or self.used >= self.allowed:
                self.exhausted = True
                earned = self.allowed - self.total
                plus = f" plus {earned} earned by {self.successes} successes" if earned else ""
                raise RetryBudgetExhausted(
                    f"{self.source}: gave up after {self.used} retries this run (the retry "
                    f"budget, {BUDGET_VARIABLE}={self.total}{plus}); last error: {error}. "
                    "The cursor stays at the last committed page: re-run to resume from there."
                )
            self.used += 1
        log.debug("%s: retry %d/%d after %s", self.source, self.used, self.allowed, error)


class AdaptiveRateLimiter:
    """One source's request rate, shared by its threads: evenly spaced at ``rate`` requests
    per second (``None``: unlimited), paused until a 429's ``Retry-After``, cut on 429 and
    raised on success (AIMD, see the module docstring).  ``clock`` and ``sleep`` are
    injectable so the arithmetic can be tested without waiting."""

    def __init__(
        self,
        ceiling: float | None = None,
        *,
        floor: float = RATE_FLOOR,
        step: float = RATE_STEP,
        cut: float = RATE_CUT,
        name: str = "http",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = ceiling or None
        self.rate: float | None = self.ceiling
        self.floor = min(floor, self.ceiling) if self.ceiling else floor
        self.step = step
        self.cut = cut
        self.name = name
        self.paused_until = -math.inf
        self.cuts = 0
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf  # the earliest start of the next request
        self._issued = 0  # tickets handed out so far
        self._cut_after = 0  # tickets up to this one were sent before the last cut
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """Wait for this source's next slot (past any pause); returns the request's ticket
        (for ``throttled``)."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self.paused_until, self._next if self.rate else now)
                if start <= now:
                    if self.rate:
                        self._next = now + 1.0 / self.rate
                    self._sent.append(now)
                    while self._sent and self._sent[0] <= now - OBSERVE_S:
                        self._sent.popleft()
                    self._issued += 1
                    return self._issued
            self._sleep(start - now)

    def observed_rate(self, now: float) -> float:
        """Requests taken in the last ``OBSERVE_S`` seconds, per second."""
        return sum(1 for t in self._sent if now - OBSERVE_S < t <= now) / OBSERVE_S

    def throttled(self, ticket: int, retry_after_s: float) -> None:
        """A 429 for the request of ``ticket``: pause every request of the source for
        ``retry_after_s`` and, unless a cut already followed that request, cut the rate."""
        with self._lock:
            now = self._clock()
            self.paused_until = max(self.paused_until, now + retry_after_s)
            if ticket <= self._cut_after:
                return  # sent before the last cut: that cut already answered this congestion
            current = self.rate if self.rate else math.inf
            self.rate = max(self.floor, min(current, self.observed_rate(now)) * self.cut)
            self._cut_after = self._issued
            self.cuts += 1
        log.info(
            "%s: rate limited (HTTP 429): pausing %.1fs, then %.2f requests/s",
            self.name,
            retry_after_s,
            self.rate,
        )

    def succeeded(self) -> None:
        """A success: additive increase, never above the ceiling."""
        with self._lock:
            if self.rate is None:
                return
            self.rate += self.step / self.rate
            if self.ceiling:
                self.rate = min(self.rate, self.ceiling)


@dataclass
class HttpPolicy:
    """What one source's sessions share in one run."""

    source: str
    budget: RetryBudget
    limiter: AdaptiveRateLimiter = field(default_factory=AdaptiveRateLimiter)
    backoff_s: float = 0.5
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries_per_request: int = RETRIES_PER_REQUEST
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    connect_retries: int | None = None  # fewer retries when the server cannot be reached
    max_throttled_s: float = MAX_THROTTLED_S
    down: str | None = field(default=None, init=False)  # why the source is given up on
    last_success: float = field(default=-math.inf, init=False)

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter: base·2^(attempt-1)·[1, 1.25), capped."""
        delay = self.backoff_s * (2 ** max(attempt - 1, 0))
        return min(BACKOFF_MAX_S, delay * (1 + 0.25 * random.random()))

    @property
    def timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout_s, self.timeout_s)

    def succeeded(self) -> None:
        self.last_success = time.monotonic()
        self.budget.earn()
        self.limiter.succeeded()

    def check_up(self) -> None:
        """Raise at once when an earlier request found the source dead this run."""
        if self.down is not None:
            raise SourceUnavailableError(self.down)

    def give_up(self, error: str, retries: int, started: float) -> str:
        """The request failed after its retries: the message, and the source marked down
        when nothing of it succeeded since the request started."""
        message = f"{self.source}: {error} (still failing after {retries} retries)"
        if self.last_success < started and self.down is None:
            self.down = f"{message}; not asking {self.source} again this run"
        return message


def policy_from_env(source: str) -> HttpPolicy:
    """A fresh policy for one run of ``source`` from ``PSOPS_RETRY_BUDGET``,
    ``PSOPS_RETRY_BACKOFF`` and ``PSOPS_<SOURCE>_RATE_LIMIT`` (``sources.common.settings``)."""
    return HttpPolicy(
        source=source,
        budget=RetryBudget(source, settings.retry_budget(), EARNED_PER_SUCCESS),
        limiter=AdaptiveRateLimiter(settings.rate_limit(source), name=source),
        backoff_s=settings.retry_backoff(),
    )


def check_policy(source: str) -> HttpPolicy:
    """The policy of a source's ``check``: a server that cannot be reached (refused, unknown
    host, connect timeout) is given ``CHECK_RETRIES`` retries with a short connect timeout,
    so the preflight fails within seconds; a server that answers badly (5xx, resets, cut-off
    bodies, 429) gets the same retries as a run, so a storm does not fail the preflight."""
    policy = policy_from_env(source)
    policy.connect_retries = CHECK_RETRIES
    policy.connect_timeout_s = CHECK_CONNECT_TIMEOUT_S
    return policy


def rate_limit_variable(source: str) -> str:
    return settings.rate_limit_setting(source).variable


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: ``delay-seconds`` or an ``HTTP-date`` (RFC 9110 §10.2.3);
    None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _path(url: str | None) -> str:
    """A URL without its query (no secret ever travels there, but keep log lines short)."""
    return (url or "").split("?", 1)[0]


_SEND_FAULTS = (
    requests.exceptions.ConnectionError,  # refused, reset, read timeout (not SSLError: below)
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_BODY_FAULTS = (
    requests.exceptions.ChunkedEncodingError,  # cut off / reset mid-body
    requests.exceptions.ContentDecodingError,
    requests.exceptions.ConnectionError,  # read timeout while reading the body
    ValueError,  # a 200 whose JSON does not parse
)


class _PolicyAdapter(HTTPAdapter):
    """Every retry of psops (urllib3 retries nothing): faults with backoff from the budget,
    429s by pausing the source, bodies read (and JSON parsed, once) here so a cut-off or
    garbled page is fetched again."""

    def __init__(self, policy: HttpPolicy, retries: int | None = None) -> None:
        self.policy = policy
        self.retries = policy.retries_per_request if retries is None else retries
        super().__init__(max_retries=Retry(0, read=False, redirect=False))

    def send(self, request, stream=False, timeout=None, **kwargs):  # type: ignore[override]
        policy = self.policy
        what = f"{request.method} {_path(request.url)}"
        started = time.monotonic()
        faults = 0
        throttle = _Throttle(policy, what)
        while True:
            policy.check_up()
            ticket = policy.limiter.acquire()
            try:
                response = super().send(
                    request, stream=stream, timeout=timeout or policy.timeouts, **kwargs
                )
            except requests.exceptions.SSLError:
                raise  # an untrusted certificate is not a fault that a retry mends
            except _SEND_FAULTS as exc:
                error = f"{_describe(exc)} on {what}"
                limit = self.retries
                if policy.connect_retries is not None and _cannot_connect(exc):
                    limit = min(limit, policy.connect_retries)
                if faults >= limit:
                    policy.give_up(error, faults, started)
                    raise  # what requests raised, which each client maps as before
            else:
                status = response.status_code
                if status == THROTTLE_STATUS:
                    delay = throttle.delay(response.headers.get("Retry-After"))
                    response.close()
                    policy.limiter.throttled(ticket, delay)
                    continue
                if status in RETRY_STATUSES:
                    error = f"HTTP {status} from {what}"
                    if faults >= self.retries:
                        policy.give_up(error, faults, started)
                        return response  # the caller sees (and reports) the last answer
                    response.close()
                else:
                    try:
                        if not stream:
                            _read_body(response)
                    except _BODY_FAULTS as exc:
                        error = f"{type(exc).__name__} reading {what}"
                        if faults >= self.retries:
                            message = policy.give_up(error, faults, started)
                            raise SourceUnavailableError(message) from exc
                    else:
                        policy.succeeded()
                        return response
            faults += 1
            policy.budget.spend(error)
            time.sleep(policy.backoff(faults))


class _Throttle:
    """One request's 429s: how long to pause for each, and the cap on all of them."""

    def __init__(self, policy: HttpPolicy, what: str) -> None:
        self.policy = policy
        self.what = what
        self.count = 0
        self.since: float | None = None

    def delay(self, retry_after: str | None) -> float:
        """Seconds to pause for this 429 (its ``Retry-After``, else 1 s doubling); raises
        ``SourceUnavailableError`` when that would take the request past ``max_throttled_s``."""
        self.count += 1
        now = time.monotonic()
        self.since = self.since if self.since is not None else now
        delay = retry_after_s(retry_after)
        if delay is None:
            delay = min(60.0, DEFAULT_THROTTLE_S * 2 ** (self.count - 1))
        waited = now - self.since
        cap = self.policy.max_throttled_s
        if waited + delay > cap:
            raise SourceUnavailableError(
                f"{self.policy.source}: {self.what} is still rate limited (HTTP 429) after "
                f"{self.count} tries in {waited:.0f}s; the server asks to wait {delay:.0f}s "
                f"more, past the {cap:.0f}s psops waits for one request"
            )
        return delay


_CANNOT_CONNECT = (
    "connection refused",
    "host not found",
    "connection timed out",
    "network is unreachable",
    "no route to host",
    "host is down",
)


def _cannot_connect(exc: BaseException) -> bool:
    """The server was never reached (as opposed to a reset or a timeout mid-answer)."""
    problem = connection_problem(exc) or ""
    return problem in _CANNOT_CONNECT


def _describe(exc: BaseException) -> str:
    return connection_problem(exc) or type(exc).__name__


_UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN)


def connection_problem(exc: BaseException) -> str | None:
    """What stopped a connection, in words ('connection refused', 'host not found',
    'connection timed out', 'connection reset', ...), or None when ``exc`` is something else.
    Looks through causes, contexts and urllib3's ``reason`` for the root cause."""
    chain: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is seen for seen in chain):
            continue
        chain.append(current)
        reason = getattr(current, "reason", None)
        todo.extend(
            [current.__cause__, current.__context__]
            + ([reason] if isinstance(reason, BaseException) else [])
            + [a for a in current.args if isinstance(a, BaseException)]
        )
    for found in chain:
        if isinstance(found, ConnectionRefusedError):
            return "connection refused"
        if isinstance(found, (urllib3.exceptions.NameResolutionError, socket.gaierror)):
            return "host not found"
        if isinstance(found, OSError) and found.errno in _UNREACHABLE:
            return os.strerror(found.errno).lower()  # 'network is unreachable', ...
    # urllib3's NewConnectionError subclasses ConnectTimeoutError: only a real timeout here
    if any(type(found) is urllib3.exceptions.ConnectTimeoutError for found in chain) or any(
        isinstance(found, requests.exceptions.ConnectTimeout) for found in chain
    ):
        return "connection timed out"
    if any(isinstance(found, ConnectionResetError) for found in chain):
        return "connection reset"
    return None


@contextmanager
def reaching(source: str, url: str, variable: str) -> Iterator[None]:
    """Inside, failing to connect to ``url`` becomes one line a person can act on:
    ``kantata: cannot reach https://127.0.0.1:1 (connection refused); check KANTATA_URL``."""
    try:
        yield
    except (requests.RequestException, SourceUnavailableError) as exc:
        if isinstance(exc, requests.exceptions.SSLError):
            raise
        problem = connection_problem(exc)
        if problem is None:
            raise
        raise SourceUnavailableError(
            f"{source}: cannot reach {url} ({problem}); check {variable}"
        ) from exc


def _read_body(response: requests.Response) -> None:
    """Read the whole body; parse a 200's JSON once and hand the result to ``.json()``."""
    content = response.content
    kind = response.headers.get("Content-Type", "")
    if response.status_code == 200 and content and "json" in kind:
        parsed = json.loads(content)
        response.json = lambda **_: parsed  # type: ignore[method-assign]


class _Session(requests.Session):
    """A session whose own ``verify`` (a CA file, or False) is not overridden by
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``, which plain ``requests`` lets win."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            merged["verify"] = self.verify
        return merged


def mount_policy(session: requests.Session, policy: HttpPolicy, retries: int | None = None) -> None:
    """Mount psops's adapter (retries, budget, rate limit, timeout) on any session."""
    adapter = _PolicyAdapter(policy, retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


def make_session(
    verify: str | bool = True,
    timeout: float = DEFAULT_TIMEOUT_S,
    policy: HttpPolicy | None = None,
    retries: int | None = None,
) -> requests.Session:
    """A ``requests.Session`` with psops's policy mounted for http and https (a fresh,
    unshared policy for ``source='http'`` unless one is given)."""
    if policy is None:
        policy = HttpPolicy("http", RetryBudget("http"), timeout_s=timeout)
    session = _Session()
    mount_policy(session, policy, retries)
    session.verify = verify
    return session
