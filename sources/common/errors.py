"""Errors a connector raises; the CLI maps them to exit codes (DESIGN.md)."""

from __future__ import annotations


class SourceConfigError(Exception):
    """A source is misconfigured: a variable is missing, or its credentials are refused.

    ``psops refresh`` exits 2 with this message, before anything is written.
    """

    def __init__(self, source: str, variable: str, problem: str) -> None:
        self.source = source
        self.variable = variable
        self.problem = problem
        super().__init__(f"{source}: {problem} (check {variable})")


class SourceUnavailableError(Exception):
    """A source kept failing after every retry; the cursor stays at the last committed page."""


REFUSED_STATUSES = (401, 403)  # credentials unknown or expired (401), or not allowed (403)
THROTTLED_STATUS = 429


def status_error(
    source: str, status: int | None, credentials: str, failing: str
) -> SourceConfigError | SourceUnavailableError | None:
    """What an HTTP status that outlived the retry policy (``sources.common.http``) means,
    for every connector alike: 401/403 -> ``SourceConfigError`` naming ``credentials`` (the
    variable to fix); 429, 5xx or no status at all -> ``SourceUnavailableError(failing)``;
    any other status -> None (the request psops sent is wrong: the connector raises its own
    error).  Each connector only reads the status from its client library's exception."""
    if status in REFUSED_STATUSES:
        return SourceConfigError(source, credentials, f"credentials were refused (HTTP {status})")
    if status is None or status == THROTTLED_STATUS or status >= 500:
        return SourceUnavailableError(failing)
    return None
