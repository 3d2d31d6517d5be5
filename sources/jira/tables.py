"""The Jira raw tables (``raw_jira.*``): columns exactly as in the sandbox contract
(``sources.sandbox.schema.JIRA_TABLES``), and how one API record becomes one row."""

from __future__ import annotations

from typing import Any

from sources.common.raw_tables import RawTable, required
from sources.sandbox.schema import JIRA_TABLES

SYSTEM = "jira"


def _get(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None where a level is missing or null."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def project_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A ``/project/search`` value."""
    return {
        "id": record.get("id"),
        "key": record.get("key"),
        "name": record.get("name"),
        "project_type_key": record.get("projectTypeKey"),
    }


def status_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A ``/status`` entry."""
    return {
        "id": record.get("id"),
        "name": record.get("name"),
        "category_key": _get(record, "statusCategory", "key"),
    }


def user_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A ``/users/search`` entry (``emailAddress`` is absent where Jira hides it)."""
    return {
        "account_id": record.get("accountId"),
        "display_name": record.get("displayName"),
        "email_address": record.get("emailAddress"),
        "active": record.get("active"),
    }


def issue_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A search/jql issue, flattened."""
    fields = record["fields"]
    return {
        "id": record.get("id"),
        "key": record.get("key"),
        "project_key": _get(fields, "project", "key"),
        "issue_type": _get(fields, "issuetype", "name"),
        "priority": _get(fields, "priority", "name"),
        "status_id": _get(fields, "status", "id"),
        "status_name": _get(fields, "status", "name"),
        "status_category_key": _get(fields, "status", "statusCategory", "key"),
        "summary": fields.get("summary"),
        "assignee_account_id": _get(fields, "assignee", "accountId"),
        "reporter_account_id": _get(fields, "reporter", "accountId"),
        "created": fields.get("created"),
        "updated": fields.get("updated"),
        "resolutiondate": fields.get("resolutiondate"),
    }


def changelog_record(issue_id: str, history: dict[str, Any], item_index: int) -> dict[str, Any]:
    """The record landed for one changelog item: the history exactly as Jira sent it, the
    issue it belongs to and which of its items this row is."""
    return {"issueId": issue_id, "itemIndex": item_index, "history": history}


def changelog_fields(record: dict[str, Any]) -> dict[str, Any]:
    """One item of one history; id ``<history id>-<item index>`` (0-based)."""
    history = record["history"]
    index = record["itemIndex"]
    item = history["items"][index]
    return {
        "id": f"{history['id']}-{index}",
        "history_id": history.get("id"),
        "issue_id": record.get("issueId"),
        "author_account_id": _get(history, "author", "accountId"),
        "created": history.get("created"),
        "field": item.get("field"),
        "from_id": item.get("from"),
        "from_string": item.get("fromString"),
        "to_id": item.get("to"),
        "to_string": item.get("toString"),
    }


PROJECTS = RawTable(SYSTEM, "projects", JIRA_TABLES["projects"], project_fields, (required("key"),))
STATUSES = RawTable(SYSTEM, "statuses", JIRA_TABLES["statuses"], status_fields, (required("name"),))
USERS = RawTable(SYSTEM, "users", JIRA_TABLES["users"], user_fields)
ISSUES = RawTable(
    SYSTEM,
    "issues",
    JIRA_TABLES["issues"],
    issue_fields,
    (required("key", "project_key", "created", "updated"),),
)
ISSUE_CHANGELOG = RawTable(
    SYSTEM,
    "issue_changelog",
    JIRA_TABLES["issue_changelog"],
    changelog_fields,
    (required("history_id", "issue_id", "created"),),
)

ALL_TABLES: list[RawTable] = [PROJECTS, STATUSES, USERS, ISSUES, ISSUE_CHANGELOG]
