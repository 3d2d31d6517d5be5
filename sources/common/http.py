"""One HTTP policy for every connector.

- Retries with exponential backoff and jitter on 5xx, timeouts, connection resets and cut-off
  or unreadable bodies (a 200 whose JSON does not parse is a fault too); 429 honours
  ``Retry-After``.  Every client path (``jira``, ``simple-salesforce``, plain ``requests``)
  goes through the adapter mounted here, so each gets the same treatment.
- A bounded **retry budget** per source and run (``PSOPS_RETRY_BUDGET``), shared by every
  session of that source: when it is spent the request raises ``RetryBudgetExhausted``
  naming the source, the retries made and the last error.
- A per-source **rate limit** (``PSOPS_<SOURCE>_RATE_LIMIT`` requests/second, shared by the
  source's sessions and threads).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.common.errors import SourceConfigError, SourceUnavailableError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRY_BUDGET = 300
DEFAULT_BACKOFF_S = 0.5
RETRIES_PER_REQUEST = 8
BACKOFF_MAX_S = 30.0
BUDGET_VARIABLE = "PSOPS_RETRY_BUDGET"
BACKOFF_VARIABLE = "PSOPS_RETRY_BACKOFF"  # seconds before the first retry (doubles after)


class RetryBudgetExhausted(SourceUnavailableError):
    """The source's retry budget for this run is spent: the run stops where it is."""


class RetryBudget:
    """At most ``total`` retries for one source in one run, across threads and sessions."""

    def __init__(self, source: str, total: int = DEFAULT_RETRY_BUDGET) -> None:
        self.source = source
        self.total = total
        self.used = 0
        self.last_error = ""
        self._lock = threading.Lock()

    def spend(self, error: str) -> None:
        """Take one retry, or raise ``RetryBudgetExhausted`` when none is left."""
        with self._lock:
            self.last_error = error
            if self.used >= self.total:
                raise RetryBudgetExhausted(
                    f"{self.source}: gave up after {self.used} retries this run (the retry "
                    f"budget, {BUDGET_VARIABLE}={self.total}); last error: {error}. The cursor "
                    "stays at the last committed page: re-run to resume from there."
                )
            self.used += 1
        log.debug("%s: retry %d/%d after %s", self.source, self.used, self.total, error)


class RateLimiter:
    """At most ``per_second`` requests a second (evenly spaced), shared across threads;
    ``None`` means no limit."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@dataclass
class HttpPolicy:
    """What one source's sessions share in one run."""

    source: str
    budget: RetryBudget
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(None))
    backoff_s: float = DEFAULT_BACKOFF_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries_per_request: int = RETRIES_PER_REQUEST

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter: base·2^(attempt-1)·[1, 1.25), capped."""
        delay = self.backoff_s * (2 ** max(attempt - 1, 0))
        return min(BACKOFF_MAX_S, delay * (1 + 0.25 * random.random()))


def _env_number(name: str, default: float | None, cast=float) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise SourceConfigError("psops", name, f"'{raw}' is not a number") from None
    if value < 0:
        raise SourceConfigError("psops", name, f"'{raw}' is negative")
    return value


def rate_limit_variable(source: str) -> str:
    return f"PSOPS_{source.upper()}_RATE_LIMIT"


def policy_from_env(source: str) -> HttpPolicy:
    """A fresh policy for one run of ``source``: ``PSOPS_RETRY_BUDGET`` (default 300),
    ``PSOPS_RETRY_BACKOFF`` (seconds, default 0.5), ``PSOPS_<SOURCE>_RATE_LIMIT`` (requests
    per second, default unlimited)."""
    return HttpPolicy(
        source=source,
        budget=RetryBudget(source, _env_number(BUDGET_VARIABLE, DEFAULT_RETRY_BUDGET, int)),
        limiter=RateLimiter(_env_number(rate_limit_variable(source), None) or None),
        backoff_s=_env_number(BACKOFF_VARIABLE, DEFAULT_BACKOFF_S),
    )


class _BudgetedRetry(Retry):
    """urllib3's retry whose every retry is paid from the source's budget."""

    def __init__(self, *args: Any, budget: RetryBudget | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget

    def new(self, **kw: Any) -> _BudgetedRetry:
        fresh = super().new(**kw)
        fresh.budget = self.budget
        return fresh

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):  # type: ignore[override]
        if self.budget is not None and not self.is_exhausted():
            if response is not None:
                what = f"HTTP {response.status} from {method} {_path(url)}"
            else:
                what = f"{type(error).__name__} on {method} {_path(url)}"
            self.budget.spend(what)
        return super().increment(method, url, response, error, *args, **kwargs)


def _path(url: str | None) -> str:
    """A URL without its query (no secret ever travels there, but keep log lines short)."""
    return (url or "").split("?", 1)[0]


def retry_policy(
    total: int = RETRIES_PER_REQUEST,
    backoff_factor: float = DEFAULT_BACKOFF_S,
    budget: RetryBudget | None = None,
) -> Retry:
    return _BudgetedRetry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX_S,
        backoff_jitter=backoff_factor / 4,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # retry POST too: every call we make is a read
        respect_retry_after_header=True,
        raise_on_status=False,
        budget=budget,
    )


_BODY_FAULTS = (
    requests.exceptions.ChunkedEncodingError,  # cut off / reset mid-body
    requests.exceptions.ContentDecodingError,
    requests.exceptions.ConnectionError,  # read timeout while reading the body
    ValueError,  # a 200 whose JSON does not parse
)


class _PolicyAdapter(HTTPAdapter):
    """Timeout, rate limit, and retries for faults that show only in the body: the body is
    read (and JSON parsed, once) here, so a cut-off or garbled page is fetched again."""

    def __init__(self, policy: HttpPolicy, max_retries: Retry) -> None:
        self.policy = policy
        super().__init__(max_retries=max_retries)

    def send(self, request, stream=False, timeout=None, **kwargs):  # type: ignore[override]
        attempt = 0
        while True:
            self.policy.limiter.wait()
            response = super().send(
                request, stream=stream, timeout=timeout or self.policy.timeout_s, **kwargs
            )
            if stream:
                return response
            try:
                _read_body(response)
                return response
            except _BODY_FAULTS as exc:
                attempt += 1
                error = f"{type(exc).__name__} reading {request.method} {_path(request.url)}"
                if attempt > self.policy.retries_per_request:
                    raise SourceUnavailableError(
                        f"{self.policy.source}: {error} (still failing after {attempt - 1} retries)"
                    ) from exc
                self.policy.budget.spend(error)
                time.sleep(self.policy.backoff(attempt))


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
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings


def mount_policy(session: requests.Session, policy: HttpPolicy, retries: int | None = None) -> None:
    """Mount psops's adapter (retries, budget, rate limit, timeout) on any session."""
    total = policy.retries_per_request if retries is None else retries
    retry = retry_policy(total=total, backoff_factor=policy.backoff_s, budget=policy.budget)
    adapter = _PolicyAdapter(policy, retry)
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
