"""Throttling (HTTP 429): the adaptive rate of one source, ``Retry-After``, and the cap on
how long one request may stay throttled.

A 429 is not a fault: the server is up and says when to come back.  The whole source (every
thread and session sharing its limiter) pauses until ``Retry-After`` (seconds or an HTTP-date,
RFC 9110 §10.2.3: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3; Jira Cloud sends it
with its 429s and asks clients to honour it:
https://developer.atlassian.com/cloud/jira/platform/rate-limiting/), its adaptive rate is cut,
and the request is sent again.  A 429 spends neither the retry budget nor the request's
retries; a request throttled for longer than ``MAX_THROTTLED_S`` in all gives up with
``SourceUnavailableError``.

**Adaptive rate** per source (AIMD), on by default: unlimited until the first 429 (or
``PSOPS_<SOURCE>_RATE_LIMIT`` requests/second from the start, when set).  A 429 cuts the rate
to ``RATE_CUT`` (half) of what the source sent in the last second (never below
``RATE_FLOOR``), once per congestion episode: a 429 for a request sent before the last cut
cuts nothing.  Each success raises it by ``RATE_STEP / rate`` (about ``RATE_STEP``
requests/s per second of traffic), never above the configured ceiling.  Under the storm's
5 requests/s the rate swings between about 2.5 and 5 (the small sandbox's ~630 Kantata
requests take ~170 s with a short backoff, ~220 s with the default 0.5 s).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sources.common.errors import SourceUnavailableError

log = logging.getLogger(__name__)

THROTTLE_STATUS = 429
MAX_THROTTLED_S = 600.0  # one request waits at most this long in all on 429s, then gives up
DEFAULT_THROTTLE_S = 1.0  # a 429 without a (readable) Retry-After: 1 s, doubling, capped
RATE_FLOOR = 0.5  # requests/second the adaptive rate never goes below
RATE_STEP = 0.25  # requests/second the adaptive rate regains per second of successes
RATE_CUT = 0.5  # a 429 multiplies the rate the source was sending by this
OBSERVE_S = 1.0  # the window over which the sent rate is measured when a 429 cuts it


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


class Throttle:
    """One request's 429s: how long to pause for each, and the cap on all of them."""

    def __init__(self, source: str, what: str, max_throttled_s: float = MAX_THROTTLED_S) -> None:
        self.source = source
        self.what = what
        self.max_throttled_s = max_throttled_s
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
        cap = self.max_throttled_s
        if waited + delay > cap:
            raise SourceUnavailableError(
                f"{self.source}: {self.what} is still rate limited (HTTP 429) after "
                f"{self.count} tries in {waited:.0f}s; the server asks to wait {delay:.0f}s "
                f"more, past the {cap:.0f}s psops waits for one request"
            )
        return delay
