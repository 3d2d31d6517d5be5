"""Close the loop with Jira: a failing check opens a ticket for the team that owns it, or,
when an open ticket for that check exists (found by its label), adds a comment with the new
run's counts, so one failing check never has two open tickets.  Off unless
``PSOPS_DQ_JIRA_PROJECT`` is set; it talks to Jira through the same ``jira`` client (and
``JIRA_URL`` / ``JIRA_USER`` / ``JIRA_API_TOKEN``) as the connector.

- ``PSOPS_DQ_JIRA_PROJECT``: project key the tickets go to (e.g. ``PSOPS``).
- ``PSOPS_DQ_JIRA_OWNERS``: ``source=team`` pairs, comma-separated (``kantata=ps-ops,
  salesforce=revops,jira=ps-tools,dbt=analytics``); the team becomes a label and is named
  in the ticket.  A check's source is its asset's (``raw_kantata/...`` → kantata), dbt
  tests are ``dbt``.
- ``PSOPS_DQ_JIRA_ISSUE_TYPE``: default ``Task``.
- ``PSOPS_DQ_JIRA_SEVERITIES``: which failures file tickets, default ``error``
  (``error,warn`` for both).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestration.check_result import CheckResult

log = logging.getLogger(__name__)

PROJECT_VARIABLE = "PSOPS_DQ_JIRA_PROJECT"
OWNERS_VARIABLE = "PSOPS_DQ_JIRA_OWNERS"
ISSUE_TYPE_VARIABLE = "PSOPS_DQ_JIRA_ISSUE_TYPE"
SEVERITIES_VARIABLE = "PSOPS_DQ_JIRA_SEVERITIES"
LABEL = "psops-dq"


@dataclass(frozen=True)
class AlertConfig:
    project: str
    owners: dict[str, str] = field(default_factory=dict)
    issue_type: str = "Task"
    severities: tuple[str, ...] = ("error",)


def alert_config(environ: Mapping[str, str]) -> AlertConfig | None:
    """The loop's settings in ``environ``; None when it is off (no ``PSOPS_DQ_JIRA_PROJECT``)."""
    project = (environ.get(PROJECT_VARIABLE) or "").strip()
    if not project:
        return None
    owners = {}
    for pair in (environ.get(OWNERS_VARIABLE) or "").split(","):
        if "=" in pair:
            source, team = pair.split("=", 1)
            owners[source.strip().lower()] = team.strip()
    severities = tuple(
        s.strip().lower() for s in environ.get(SEVERITIES_VARIABLE, "error").split(",")
    )
    return AlertConfig(
        project=project.upper(),
        owners=owners,
        issue_type=environ.get(ISSUE_TYPE_VARIABLE, "Task").strip() or "Task",
        severities=tuple(s for s in severities if s),
    )


def source_of(result: CheckResult) -> str:
    """``raw_kantata/time_entries`` → ``kantata``; a dbt model → ``dbt``."""
    head = result.asset.split("/", 1)[0]
    return head.removeprefix("raw_") if head.startswith("raw_") else "dbt"


def check_label(result: CheckResult) -> str:
    """One Jira label per check (labels allow no spaces): ``psops-dq-<asset>-<check>``."""
    text = f"{LABEL}-{result.asset}-{result.check_name}".lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", text)[:255]


def adf(paragraphs: list[str]) -> dict[str, Any]:
    """Plain paragraphs as an Atlassian Document (REST v3 takes rich text only as ADF)."""
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}
            for text in paragraphs
            if text
        ],
    }


def _report(result: CheckResult, owner: str | None) -> list[str]:
    return [
        f"psops data-quality check {result.check_name} on {result.asset} failed "
        f"({result.severity}) in run {result.run_id} at {result.checked_at:%Y-%m-%d %H:%M} UTC.",
        f"Failing rows: {result.failing_count}.",
        result.description,
        f"Sample: {result.sample}",
        f"Owner: {owner}" if owner else "",
        "Run `psops checks` for the latest results of every check.",
    ]


class JiraTickets:
    """The create / find / comment machinery every psops Jira loop shares (this module's
    data-quality loop, ``orchestration.alerts_admin``'s hygiene loop): tickets in one
    project, found again by a label through the enhanced JQL search."""

    def __init__(self, client: Any, project: str, issue_type: str = "Task") -> None:
        self.client = client
        self.project = project
        self.issue_type = issue_type

    def open_tickets(
        self, label: str, fields: tuple[str, ...] = ("summary",), limit: int = 1
    ) -> list[Any]:
        """The open tickets carrying ``label`` (oldest first), with ``fields``."""
        jql = (
            f'project = {self.project} AND labels = "{label}" '
            "AND statusCategory != Done ORDER BY created ASC"
        )
        return list(self.client.enhanced_search_issues(jql, maxResults=limit, fields=list(fields)))

    def open_ticket(self, label: str) -> str | None:
        """The key of the open ticket carrying ``label``, if any."""
        found = self.open_tickets(label)
        return found[0].key if found else None

    def comment(self, key: str, paragraphs: list[str]) -> None:
        self.client.add_comment(key, adf(paragraphs))

    def create(self, summary: str, paragraphs: list[str], labels: list[str]) -> str:
        """A new ticket; its key."""
        issue = self.client.create_issue(
            fields={
                "project": {"key": self.project},
                "issuetype": {"name": self.issue_type},
                "summary": summary,
                "description": adf(paragraphs),
                "labels": labels,
            },
            prefetch=False,
        )
        return issue.key


def jira_client(environ: Mapping[str, str]) -> Any:
    """A ``jira.JIRA`` client on the Jira that ``environ`` configures (the connector's)."""
    from sources.jira.extract import config_from_env as jira_config
    from sources.jira.extract import connect

    return connect(jira_config(environ))


class JiraAlerts(JiraTickets):
    """Open or update one ticket per failing check, through a ``jira.JIRA`` client."""

    def __init__(self, client: Any, config: AlertConfig) -> None:
        super().__init__(client, config.project, config.issue_type)
        self.config = config

    def file(self, result: CheckResult) -> tuple[str, str]:
        """("created" | "updated", issue key)."""
        label = check_label(result)
        owner = self.config.owners.get(source_of(result))
        key = self.open_ticket(label)
        if key is not None:
            self.comment(key, _report(result, owner))
            return "updated", key
        labels = [LABEL, label] + ([f"owner-{owner}".lower().replace(" ", "-")] if owner else [])
        key = self.create(
            f"Data-quality check failing: {result.check_name} on {result.asset}",
            _report(result, owner),
            labels,
        )
        return "created", key


def file_failures(
    results: list[CheckResult],
    config: AlertConfig | None,
    environ: Mapping[str, str],
    run_log: Any = log,
) -> list[tuple[str, str]]:
    """File the failures whose severity ``config`` names (None: the loop is off), through
    the Jira that ``environ`` configures; never raises (a Jira outage must not turn a
    refresh's verdict), but says what went wrong in the run log."""
    if config is None:
        return []
    wanted = [r for r in results if not r.passed and r.severity in config.severities]
    if not wanted:
        return []
    filed: list[tuple[str, str]] = []
    try:
        alerts = JiraAlerts(jira_client(environ), config)
        for result in wanted:
            action, key = alerts.file(result)
            filed.append((action, key))
            run_log.info(f"jira: {action} {key} for check {result.check_name} on {result.asset}")
    except Exception as exc:  # noqa: BLE001 - a Jira outage must not change the verdict
        run_log.warning(f"jira: could not file data-quality tickets: {exc}")
    return filed


__all__ = [
    "AlertConfig",
    "JiraAlerts",
    "JiraTickets",
    "adf",
    "alert_config",
    "check_label",
    "file_failures",
    "jira_client",
]
