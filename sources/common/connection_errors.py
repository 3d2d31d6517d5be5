"""What stopped a connection, in words a person can act on.

``connection_problem`` names the root cause of a failed request ('connection refused', 'host
not found', ...); ``reaching`` turns a source's failure to connect into one line naming the
URL, the cause and the variable to check; ``cannot_connect`` tells a server never reached
from one that failed mid-answer (a source's ``check`` retries the first only briefly).
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import urllib3.exceptions

from sources.common.errors import SourceUnavailableError

_CANNOT_CONNECT = (
    "connection refused",
    "host not found",
    "connection timed out",
    "network is unreachable",
    "no route to host",
    "host is down",
)


def cannot_connect(exc: BaseException) -> bool:
    """The server was never reached (as opposed to a reset or a timeout mid-answer)."""
    problem = connection_problem(exc) or ""
    return problem in _CANNOT_CONNECT


def describe_fault(exc: BaseException) -> str:
    """The connection problem in words, else the exception's type name (for log lines)."""
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
