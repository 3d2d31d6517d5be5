"""How the sandbox Jira reads a request's parameters: integers, comma-separated lists,
and documented parameters it does not implement (a 400 that says so)."""

from __future__ import annotations

from typing import Any

from sources.sandbox.jira_wire import jira_error
from sources.sandbox.server_base import Request


def int_param(request: Request, name: str, default: int, body: dict[str, Any]) -> int:
    raw = body.get(name, request.query.get(name))
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise jira_error(400, f"The '{name}' parameter must be an integer.") from None
    if value < 0:
        raise jira_error(400, f"The '{name}' parameter must not be negative.")
    return value


def reject_unimplemented(
    request: Request, documented: frozenset[str] | set[str], implemented: set[str]
) -> None:
    """A documented parameter the sandbox cannot honour is a 400 saying so; one the
    resource does not document is ignored, as Jira ignores it (the contract log shows it)."""
    missing = sorted((set(request.query) & set(documented)) - implemented)
    if missing:
        raise jira_error(400, f"The sandbox Jira does not implement the parameter '{missing[0]}'.")


def field_list(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out
