"""How the sandbox Jira writes an error and a timestamp, shared by its read routes
(``jira_api``) and its write routes (``jira_write_api``)."""

from __future__ import annotations

from datetime import datetime

from sources.sandbox.server_base import ApiError


def jira_error(status: int, *messages: str) -> ApiError:
    """Jira's error shape."""
    return ApiError(status, {"errorMessages": list(messages), "errors": {}})


def jira_time(value: datetime | None) -> str | None:
    """A UTC timestamp as Jira writes it: ``2026-03-02T14:05:11.000+0000``."""
    if value is None:
        return None
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}+0000"
