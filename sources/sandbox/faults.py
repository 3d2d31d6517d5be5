"""Fault injection for the sandbox API servers: 5xx errors, 429 rate limiting with
``Retry-After``, latency, connection resets and truncated bodies, so connectors can be
tested against the failures real APIs have.

Every random decision comes from one ``random.Random(seed)`` per server, drawn a fixed
number of times per request, so a sequential client sees the same faults on every run.
A decision depends on the draw, never on the URL, and the same request (method, path,
query, body) is never faulted more than ``MAX_CONSECUTIVE_FAULTS`` times in a row: a client
that retries always gets through.

What a client sees:

- ``error``: status 500, 502 or 503 with the API's own error body shape (a JSON message).
- ``rate_limit``: at most ``rate_limit`` requests per one-second window per server; the
  excess in a window is answered 429 with ``Retry-After: <whole seconds to the window's
  end, at least 1>`` (a burst of 429s, until the window rolls over).
- ``reset``: the connection is closed with a TCP RST without any response
  (``requests`` raises ``ConnectionError``).
- ``truncate``: a 200 whose headers announce the full ``Content-Length`` but whose body
  stops half-way, then the connection closes (``requests`` raises
  ``ChunkedEncodingError`` from urllib3's ``IncompleteRead``).
- ``latency_ms``: every request waits that long before it is answered.

Credentials are checked first: a wrong credential always gets its 401, never a fault.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass

ERROR_STATUSES = (500, 502, 503)
MAX_CONSECUTIVE_FAULTS = 3  # the same request is answered for real after this many faults


@dataclass(frozen=True)
class FaultConfig:
    """What to inject; every rate is a share of requests (0..1), all off by default."""

    error_rate: float = 0.0  # answered 500/502/503
    rate_limit: float = 0.0  # max requests per second per server (0 = unlimited)
    latency_ms: int = 0  # added to every request
    reset_rate: float = 0.0  # connection dropped without a response
    truncate_rate: float = 0.0  # share of 200 responses whose body is cut short
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "reset_rate", "truncate_rate"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.error_rate + self.reset_rate >= 1.0:
            raise ValueError("error_rate + reset_rate must stay below 1")
        if self.rate_limit < 0 or self.latency_ms < 0:
            raise ValueError("rate_limit and latency_ms must not be negative")

    @property
    def active(self) -> bool:
        return any(
            (self.error_rate, self.rate_limit, self.latency_ms, self.reset_rate, self.truncate_rate)
        )


@dataclass(frozen=True)
class Fault:
    """The fault decided for one request (``kind`` None: answer normally)."""

    kind: str | None = None  # 'error' | 'rate_limit' | 'reset' | 'truncate' | None
    status: int | None = None  # for 'error' and 'rate_limit'
    retry_after: int | None = None  # seconds, for 'rate_limit'

    @property
    def before_handling(self) -> bool:
        """The request is answered (or dropped) without reaching its route."""
        return self.kind in ("error", "rate_limit", "reset")


NO_FAULT = Fault()


class FaultInjector:
    """Thread-safe decisions for one server, from one seeded RNG."""

    def __init__(self, config: FaultConfig, clock=time.monotonic) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._clock = clock
        self._window_start = clock()
        self._window_count = 0
        self._streaks: dict[Hashable, int] = {}

    def delay(self) -> None:
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000)

    def decide(self, key: Hashable) -> Fault:
        """The fault for a request before it is handled; ``key`` identifies the request."""
        cfg = self.config
        with self._lock:
            kind_draw, status_draw, truncate_draw = (self._rng.random() for _ in range(3))
            fault = self._rate_limited()
            if fault is None:
                if kind_draw < cfg.error_rate:
                    status = ERROR_STATUSES[int(status_draw * len(ERROR_STATUSES))]
                    fault = Fault("error", status)
                elif kind_draw < cfg.error_rate + cfg.reset_rate:
                    fault = Fault("reset")
                elif truncate_draw < cfg.truncate_rate:
                    fault = Fault("truncate")  # applies only if the answer is a 200
                else:
                    fault = NO_FAULT
            return self._bounded(key, fault)

    def _rate_limited(self) -> Fault | None:
        if not self.config.rate_limit:
            return None
        now = self._clock()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        if self._window_count <= self.config.rate_limit:
            return None
        wait = max(1, math.ceil(self._window_start + 1.0 - now))
        return Fault("rate_limit", 429, wait)

    def _bounded(self, key: Hashable, fault: Fault) -> Fault:
        """No request is faulted more than MAX_CONSECUTIVE_FAULTS times in a row
        (rate limiting excepted: waiting for Retry-After always helps)."""
        if fault.kind is None or fault.kind == "rate_limit":
            if fault.kind is None:
                self._streaks.pop(key, None)
            return fault
        streak = self._streaks.get(key, 0)
        if streak >= MAX_CONSECUTIVE_FAULTS:
            self._streaks.pop(key, None)
            return NO_FAULT
        self._streaks[key] = streak + 1
        return fault
