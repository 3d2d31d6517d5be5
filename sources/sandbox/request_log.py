"""What a sandbox server was asked, so tests can assert what a connector requested."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    query: dict[str, str]  # first value of each query parameter
    status: int | None  # None: the connection was reset without a response
    fault: str | None = None  # 'error' | 'rate_limit' | 'reset' | 'truncate' | None
    body: Any = None  # the parsed JSON body of a POST (Jira's search/jql), else None
    # where the request or the answer departs from the vendor's contract
    # (``sources/<system>/contract.py``); the contract tests assert this stays empty
    contract_problems: tuple[str, ...] = ()


class RequestLog:
    """An append-only, thread-safe list of entries."""

    def __init__(self) -> None:
        self._entries: list[RequestLogEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RequestLogEntry]:
        """A snapshot copy, in arrival order."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
