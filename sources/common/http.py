"""One HTTP policy for every connector.

Every client path (``jira``, ``simple-salesforce``, plain ``requests``) goes through the
adapter mounted here, so each gets the same treatment:

- **Faults** (5xx, connection errors and timeouts, cut-off or unreadable bodies: a 200 whose
  JSON does not parse is a fault too) are retried with exponential backoff and jitter
  (``PSOPS_RETRY_BACKOFF`` seconds, doubling), at most ``retries_per_request`` times per
  request, each retry paid from the source's retry budget (``sources.common.retry_budget``).
- **Throttling** (429) is not a fault: the source pauses until ``Retry-After`` and its
  adaptive rate is cut (``sources.common.throttling``); a 429 spends no retry.
- **A dead source stops quickly**: a request still failing after its retries, with no
  successful response from the source meanwhile, marks the source down, and every other
  request of that source then fails at once instead of running its own retries.
- **Timeouts**: ``CONNECT_TIMEOUT_S`` to connect, ``DEFAULT_TIMEOUT_S`` to read.  A source's
  ``check`` uses ``check_policy``: a server that cannot be reached gets ``CHECK_RETRIES``
  retries with ``CHECK_CONNECT_TIMEOUT_S``, so an unreachable URL fails the preflight in
  seconds (``reaching``, in ``sources.common.connection_errors``, makes that one line naming
  the URL, the cause and the variable), while a server that answers badly gets a run's retries.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.common import settings
from sources.common.connection_errors import cannot_connect, describe_fault
from sources.common.connection_errors import reaching as reaching  # the connectors' import
from sources.common.errors import SourceUnavailableError
from sources.common.retry_budget import EARNED_PER_SUCCESS, RetryBudget
from sources.common.throttling import (
    MAX_THROTTLED_S,
    THROTTLE_STATUS,
    AdaptiveRateLimiter,
    Throttle,
)

DEFAULT_TIMEOUT_S = 30.0  # read timeout
CONNECT_TIMEOUT_S = 10.0
RETRIES_PER_REQUEST = 8
BACKOFF_MAX_S = 30.0
RETRY_STATUSES = frozenset({500, 502, 503, 504})
CHECK_RETRIES = 2  # a source's check: an unreachable server fails the preflight in seconds
CHECK_CONNECT_TIMEOUT_S = 5.0
BACKOFF_VARIABLE = settings.RETRY_BACKOFF.variable


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


def policy_from_env(source: str, run: settings.RunSettings) -> HttpPolicy:
    """A fresh policy for one run of ``source`` from its run settings (``config.run``:
    ``PSOPS_RETRY_BUDGET``, ``PSOPS_RETRY_BACKOFF``, ``PSOPS_<SOURCE>_RATE_LIMIT``)."""
    return HttpPolicy(
        source=source,
        budget=RetryBudget(source, run.retry_budget, EARNED_PER_SUCCESS),
        limiter=AdaptiveRateLimiter(run.rate_limit, name=source),
        backoff_s=run.retry_backoff,
    )


def check_policy(source: str, run: settings.RunSettings) -> HttpPolicy:
    """The policy of a source's ``check``: a server that cannot be reached (refused, unknown
    host, connect timeout) is given ``CHECK_RETRIES`` retries with a short connect timeout,
    so the preflight fails within seconds; a server that answers badly (5xx, resets, cut-off
    bodies, 429) gets the same retries as a run, so a storm does not fail the preflight."""
    policy = policy_from_env(source, run)
    policy.connect_retries = CHECK_RETRIES
    policy.connect_timeout_s = CHECK_CONNECT_TIMEOUT_S
    return policy


def rate_limit_variable(source: str) -> str:
    return settings.rate_limit_setting(source).variable


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
        throttle = Throttle(policy.source, what, policy.max_throttled_s)
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
                error = f"{describe_fault(exc)} on {what}"
                limit = self.retries
                if policy.connect_retries is not None and cannot_connect(exc):
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
