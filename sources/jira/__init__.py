"""Jira Cloud (REST v3 through the ``jira`` library, Basic auth with an API token) into
``raw_jira.*``: projects, statuses, priorities and users in full each run; issues incremental on
``updated`` with every status item of their changelogs (``issue_changelog``), committed
with the page of issues they belong to.  Jira's search does not report deleted issues:
``psops refresh --full`` re-reads everything and marks what is no longer listed
``_deleted`` (an issue and its changelog rows); projects, statuses and users are read whole
each run, so they are reconciled every run.  What each request may carry is in
``contract.py`` (Atlassian's REST v3 reference)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sources.common.http import HttpPolicy, check_policy, policy_from_env, reaching
from sources.common.loader import Batch, Stream
from sources.common.source import Source
from sources.jira.extract import (
    SOURCE_NAME,
    URL_VARIABLE,
    JiraConfig,
    config_from_env,
    connect,
    fetch_issues,
    fetch_priorities,
    fetch_projects,
    fetch_statuses,
    fetch_users,
    fetcher,
    myself,
)
from sources.jira.tables import (
    ALL_TABLES,
    ISSUE_CHANGELOG,
    ISSUES,
    PRIORITIES,
    PROJECTS,
    STATUSES,
    USERS,
)


def from_env(environ: Mapping[str, str]) -> JiraConfig:
    """JIRA_URL, JIRA_USER, JIRA_API_TOKEN; SourceConfigError names a missing one."""
    return config_from_env(environ)


def check(config: JiraConfig) -> None:
    """GET /myself; SourceConfigError naming JIRA_API_TOKEN on 401/403,
    SourceUnavailableError naming JIRA_URL within seconds when it cannot be reached."""
    with reaching(SOURCE_NAME, config.url, URL_VARIABLE):
        myself(connect(config, check_policy(SOURCE_NAME, config.run)))


def _issues(config: JiraConfig, policy: HttpPolicy):
    def fetch(since: str | None) -> Iterator[Batch]:
        yield from fetch_issues(connect(config, policy), config, since)

    return fetch


def streams(config: JiraConfig) -> list[Stream]:
    """projects, statuses, priorities, users (full each run) and issues (+ changelog, incremental),
    sharing one HTTP policy (retry budget, rate limit) for the run."""
    policy = policy_from_env(SOURCE_NAME, config.run)

    def whole(name: str, table, fetch) -> Stream:
        return Stream(SOURCE_NAME, name, [table], fetcher(config, fetch, policy), False, True)

    return [
        whole("projects", PROJECTS, fetch_projects),
        whole("statuses", STATUSES, fetch_statuses),
        whole("priorities", PRIORITIES, fetch_priorities),
        whole("users", USERS, fetch_users),
        Stream(
            SOURCE_NAME,
            "issues",
            [ISSUES, ISSUE_CHANGELOG],
            _issues(config, policy),
            reconcile=True,
        ),
    ]


SOURCE = Source(SOURCE_NAME, list(ALL_TABLES), from_env, check, streams)

__all__ = ["SOURCE", "JiraConfig", "check", "from_env", "streams"]
