"""Jira Cloud (REST v3 through the ``jira`` library, Basic auth with an API token) into
``raw_jira.*``: projects, statuses and users in full each run; issues incremental on
``updated`` with every status item of their changelogs (``issue_changelog``), committed
with the page of issues they belong to.  Jira's search does not report deleted issues,
so no table has a deleted flag; ``psops refresh --full`` re-reads everything."""

from __future__ import annotations

from collections.abc import Iterator

from sources.common.loader import Batch, Stream
from sources.common.source import Source
from sources.jira.extract import (
    SOURCE_NAME,
    JiraConfig,
    config_from_env,
    connect,
    fetch_issues,
    fetch_projects,
    fetch_statuses,
    fetch_users,
    fetcher,
    myself,
)
from sources.jira.tables import ALL_TABLES, ISSUE_CHANGELOG, ISSUES, PROJECTS, STATUSES, USERS


def from_env() -> JiraConfig:
    """JIRA_URL, JIRA_USER, JIRA_API_TOKEN; SourceConfigError names a missing one."""
    return config_from_env()


def check(config: JiraConfig) -> None:
    """GET /myself; SourceConfigError naming JIRA_API_TOKEN on 401/403."""
    myself(connect(config))


def _issues(config: JiraConfig):
    def fetch(since: str | None) -> Iterator[Batch]:
        yield from fetch_issues(connect(config), config, since)

    return fetch


def streams(config: JiraConfig) -> list[Stream]:
    """projects, statuses, users (full each run) and issues (+ changelog, incremental)."""
    return [
        Stream(SOURCE_NAME, "projects", [PROJECTS], fetcher(config, fetch_projects), False),
        Stream(SOURCE_NAME, "statuses", [STATUSES], fetcher(config, fetch_statuses), False),
        Stream(SOURCE_NAME, "users", [USERS], fetcher(config, fetch_users), False),
        Stream(SOURCE_NAME, "issues", [ISSUES, ISSUE_CHANGELOG], _issues(config)),
    ]


SOURCE = Source(
    name=SOURCE_NAME,
    tables=list(ALL_TABLES),
    from_env=from_env,
    check=check,
    streams=streams,
)

__all__ = ["SOURCE", "JiraConfig", "check", "from_env", "streams"]
