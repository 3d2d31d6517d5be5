"""The retry budget: how many retries one source may spend in one run.

Per source and run, shared by all its sessions: ``PSOPS_RETRY_BUDGET`` (default 300)
retries, plus ``EARNED_PER_SUCCESS`` (0.5) for every successful response.  A source that keeps
answering earns what it spends: under the documented storm (``--error-rate 0.2 --reset-rate
0.05 --truncate-rate 0.05``, i.e. about 0.4 retries per success) the allowance only grows (the
small sandbox: Kantata ~450 successes, ~190 retries), while a source failing more than one
attempt in three eventually spends it, and the run stops with ``RetryBudgetExhausted`` naming
the source, the retries and the last error.  A 429 spends nothing (``sources.common.throttling``).
"""

from __future__ import annotations

import logging
import math
import threading

from sources.common import settings
from sources.common.errors import SourceUnavailableError

log = logging.getLogger(__name__)

EARNED_PER_SUCCESS = 0.5  # retries a successful response adds to the source's budget
BUDGET_VARIABLE = settings.RETRY_BUDGET.variable


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
