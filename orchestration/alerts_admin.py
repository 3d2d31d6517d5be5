"""The administration-hygiene Jira loop (DOMAIN §11): after a successful publish, one
ticket per hygiene rule with open findings in ``marts.dq_admin_findings`` — never one per
record.  The ticket names the rule, and its description holds the count and a sample of up
to ten records; a later refresh finds it again by its label (JQL) and comments with the new
count instead of opening another; when the rule has no findings left it gets one closing
comment ("No findings left") and no more comments after that (a person closes it).  Off
unless ``PSOPS_ADMIN_JIRA_PROJECT`` is set.  It shares the create / find / comment
machinery of the data-quality loop (``orchestration.alerts_jira``) and its Jira
(``JIRA_URL`` / ``JIRA_USER`` / ``JIRA_API_TOKEN``).

- ``PSOPS_ADMIN_JIRA_PROJECT``: project key the tickets go to (e.g. ``PSOPS``).
- ``PSOPS_ADMIN_JIRA_ISSUE_TYPE``: default ``Task``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.alerts_jira import JiraTickets, jira_client

log = logging.getLogger(__name__)

PROJECT_VARIABLE = "PSOPS_ADMIN_JIRA_PROJECT"
ISSUE_TYPE_VARIABLE = "PSOPS_ADMIN_JIRA_ISSUE_TYPE"
LABEL = "psops-admin"
FINDINGS_TABLE = "marts.dq_admin_findings"
SAMPLE_SIZE = 10
CLOSED_MARKER = "No findings left"
MAX_OPEN_TICKETS = 100  # far more than there are rules


@dataclass(frozen=True)
class AdminAlertConfig:
    project: str
    issue_type: str = "Task"


def admin_alert_config(environ: Mapping[str, str]) -> AdminAlertConfig | None:
    """The loop's settings in ``environ``; None when it is off (no project)."""
    project = (environ.get(PROJECT_VARIABLE) or "").strip()
    if not project:
        return None
    issue_type = (environ.get(ISSUE_TYPE_VARIABLE) or "").strip() or "Task"
    return AdminAlertConfig(project=project.upper(), issue_type=issue_type)


@dataclass(frozen=True)
class RuleFindings:
    """One rule's open findings: how many, and the first ``SAMPLE_SIZE`` records
    (system, object, record id, detail)."""

    rule: str
    count: int
    sample: tuple[tuple[str, str, str, str], ...]


def rule_label(rule: str) -> str:
    """The Jira label that identifies a rule's ticket (labels allow no spaces)."""
    return re.sub(r"[^a-z0-9_.-]+", "-", f"{LABEL}-{rule}".lower())[:255]


def read_findings(con: duckdb.DuckDBPyConnection) -> dict[str, RuleFindings] | None:
    """Open findings by rule from ``marts.dq_admin_findings``; None when the mart is not
    there (not yet built: the loop then does nothing, rather than closing every ticket)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND table_name = 'dq_admin_findings'"
    ).fetchone()[0]
    if not exists:
        return None
    rows = con.execute(
        f"""SELECT rule, count(*) OVER (PARTITION BY rule), system, object, record_id, detail
        FROM {FINDINGS_TABLE}
        QUALIFY row_number() OVER (PARTITION BY rule ORDER BY system, object, record_id)
            <= {SAMPLE_SIZE}
        ORDER BY rule, system, object, record_id"""
    ).fetchall()
    found: dict[str, RuleFindings] = {}
    for rule, count, system, obj, record_id, detail in rows:
        record = (str(system), str(obj), str(record_id), str(detail or ""))
        before = found.get(rule)
        found[rule] = RuleFindings(rule, int(count), (before.sample if before else ()) + (record,))
    return found


def _sample_lines(findings: RuleFindings) -> list[str]:
    shown = len(findings.sample)
    head = f"Sample ({shown} of {findings.count}):" if shown < findings.count else "Records:"
    return [head] + [
        f"- {system} {obj} {record_id}: {detail}" if detail else f"- {system} {obj} {record_id}"
        for system, obj, record_id, detail in findings.sample
    ]


def _description(findings: RuleFindings, as_of: date) -> list[str]:
    return [
        f"psops administration hygiene rule {findings.rule}: {findings.count} open "
        f"finding(s) as of {as_of}.",
        *_sample_lines(findings),
        f"Every finding: {FINDINGS_TABLE} where rule = '{findings.rule}' (analytics.duckdb). "
        "Each refresh comments the new count here; when the rule has no findings left this "
        f"ticket gets a closing comment ('{CLOSED_MARKER}').",
    ]


def _update(findings: RuleFindings, as_of: date) -> list[str]:
    return [
        f"Refresh as of {as_of}: rule {findings.rule} still has {findings.count} open finding(s).",
        *_sample_lines(findings),
    ]


def _closing(rule: str, as_of: date) -> list[str]:
    return [
        f"{CLOSED_MARKER}: rule {rule} has no open findings as of {as_of}. psops will not "
        "comment again unless the rule fires again; this ticket can be closed."
    ]


def _labels(ticket: Any) -> list[str]:
    return list((ticket.raw.get("fields") or {}).get("labels") or [])


def _is_closed_by_comment(ticket: Any) -> bool:
    """The ticket's latest comment (Jira lists them oldest first) is psops's closing
    comment."""
    comments = ((ticket.raw.get("fields") or {}).get("comment") or {}).get("comments") or []
    if not comments:
        return False
    return CLOSED_MARKER.lower() in json.dumps(comments[-1].get("body"), default=str).lower()


class AdminTickets(JiraTickets):
    """Open, update and close-by-comment one ticket per hygiene rule."""

    def __init__(self, client: Any, config: AdminAlertConfig) -> None:
        super().__init__(client, config.project, config.issue_type)

    def open_by_label(self) -> dict[str, Any]:
        """Rule label → its open ticket (the oldest, if there are several)."""
        tickets = self.open_tickets(
            LABEL, fields=("summary", "labels", "comment"), limit=MAX_OPEN_TICKETS
        )
        by_label: dict[str, Any] = {}
        for ticket in tickets:
            for label in _labels(ticket):
                if label.startswith(f"{LABEL}-"):
                    by_label.setdefault(label, ticket)
        return by_label

    def sync(self, findings: Mapping[str, RuleFindings], as_of: date) -> list[tuple[str, str, str]]:
        """(action, issue key, rule) for each ticket touched: ``created``, ``updated`` or
        ``closed`` (the closing comment)."""
        open_tickets = self.open_by_label()
        done: list[tuple[str, str, str]] = []
        for rule in sorted(findings):
            label = rule_label(rule)
            ticket = open_tickets.pop(label, None)
            if ticket is not None:
                self.comment(ticket.key, _update(findings[rule], as_of))
                done.append(("updated", ticket.key, rule))
                continue
            key = self.create(
                f"Admin hygiene: {rule} has {findings[rule].count} open finding(s)",
                _description(findings[rule], as_of),
                [LABEL, label],
            )
            done.append(("created", key, rule))
        for label, ticket in sorted(open_tickets.items()):
            if _is_closed_by_comment(ticket):
                continue
            rule = label.removeprefix(f"{LABEL}-")
            self.comment(ticket.key, _closing(rule, as_of))
            done.append(("closed", ticket.key, rule))
        return done


def file_admin_findings(
    analytics_db: Path,
    config: AdminAlertConfig | None,
    environ: Mapping[str, str],
    as_of: date,
    run_log: Any = log,
) -> list[tuple[str, str, str]]:
    """Sync the hygiene tickets with the findings in the published ``analytics_db`` (None
    config: the loop is off).  Never raises — a Jira outage must not fail a publish that
    already happened — but says what went wrong in the run log."""
    if config is None:
        return []
    try:
        con = duckdb.connect(str(analytics_db), read_only=True)
        try:
            findings = read_findings(con)
        finally:
            con.close()
        if findings is None:
            run_log.info(f"jira: no {FINDINGS_TABLE} published; hygiene tickets untouched")
            return []
        done = AdminTickets(jira_client(environ), config).sync(findings, as_of)
    except Exception as exc:  # noqa: BLE001 - the marts are published either way
        run_log.warning(f"jira: could not sync administration-hygiene tickets: {exc}")
        return []
    for action, key, rule in done:
        run_log.info(f"jira: {action} {key} for hygiene rule {rule}")
    return done


__all__ = [
    "AdminAlertConfig",
    "AdminTickets",
    "RuleFindings",
    "admin_alert_config",
    "file_admin_findings",
    "read_findings",
    "rule_label",
]
