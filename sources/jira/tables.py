"""The Jira raw tables (``raw_jira.*``): columns exactly as in the sandbox contract
(``COLUMNS`` below), and how one API record becomes one row."""

from __future__ import annotations

from typing import Any

from sources.common.raw_tables import Columns, RawTable, required

SYSTEM = "jira"

# The raw tables' columns; names are the vendor's field names (see contract.py); the
# sandbox imports these lists.

COLUMNS: dict[str, Columns] = {
    "projects": [
        ("id", "VARCHAR"),
        ("key", "VARCHAR"),
        ("name", "VARCHAR"),
        ("project_type_key", "VARCHAR"),
    ],
    # category_key: 'new' (To Do), 'indeterminate' (In Progress), 'done'
    "statuses": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("category_key", "VARCHAR"),
    ],
    # the site's own priorities (Highest..Lowest, or P1..P4, ...): /priority/search
    "priorities": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("description", "VARCHAR"),
        ("status_color", "VARCHAR"),
    ],
    # email_address is NULL where Jira Cloud hides it.
    "users": [
        ("account_id", "VARCHAR"),
        ("display_name", "VARCHAR"),
        ("email_address", "VARCHAR"),
        ("active", "BOOLEAN"),
    ],
    "issues": [
        ("id", "VARCHAR"),
        ("key", "VARCHAR"),
        ("project_key", "VARCHAR"),
        ("issue_type", "VARCHAR"),
        ("priority", "VARCHAR"),
        ("status_id", "VARCHAR"),
        ("status_name", "VARCHAR"),
        ("status_category_key", "VARCHAR"),
        ("summary", "VARCHAR"),
        ("assignee_account_id", "VARCHAR"),
        ("reporter_account_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("updated", "TIMESTAMP"),
        ("resolutiondate", "TIMESTAMP"),
        # the custom field named "Salesforce Opportunity ID" (PSOPS_JIRA_OPPORTUNITY_FIELD),
        # whose customfield_NNNNN id the connector looks up by name; NULL where the site has
        # no such field or the issue leaves it empty
        ("salesforce_opportunity_id", "VARCHAR"),
    ],
    # one row per status change item of the issue's changelog; id = '<history id>-<n>'
    "issue_changelog": [
        ("id", "VARCHAR"),
        ("history_id", "VARCHAR"),
        ("issue_id", "VARCHAR"),
        ("author_account_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("field", "VARCHAR"),
        ("from_id", "VARCHAR"),
        ("from_string", "VARCHAR"),
        ("to_id", "VARCHAR"),
        ("to_string", "VARCHAR"),
    ],
}


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


def priority_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A ``/priority/search`` value (``isDefault`` is deprecated by Atlassian: not kept)."""
    return {
        "id": record.get("id"),
        "name": record.get("name"),
        "description": record.get("description"),
        "status_color": record.get("statusColor"),
    }


def user_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A ``/users/search`` entry (``emailAddress`` is absent where Jira hides it)."""
    return {
        "account_id": record.get("accountId"),
        "display_name": record.get("displayName"),
        "email_address": record.get("emailAddress"),
        "active": record.get("active"),
    }


# The key the connector adds to a landed issue record: the ``customfield_NNNNN`` id that
# carries the Salesforce opportunity on this site (None when the site has no such field).
# Jira sends custom fields by id only, so the record names which one is which.
OPPORTUNITY_FIELD_KEY = "psopsOpportunityFieldId"


def custom_field_text(value: Any) -> str | None:
    """A custom field's value as text: a text field's string (stripped; empty is None), a
    number, or the ``value`` (else ``name``) of a select option object; the first of a
    multi-value list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value", value.get("name"))
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def issue_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A search/jql issue, flattened."""
    fields = record["fields"]
    opportunity_field = record.get(OPPORTUNITY_FIELD_KEY)
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
        "salesforce_opportunity_id": (
            custom_field_text(fields.get(opportunity_field)) if opportunity_field else None
        ),
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


PROJECTS = RawTable(SYSTEM, "projects", COLUMNS["projects"], project_fields, (required("key"),))
STATUSES = RawTable(SYSTEM, "statuses", COLUMNS["statuses"], status_fields, (required("name"),))
PRIORITIES = RawTable(
    SYSTEM, "priorities", COLUMNS["priorities"], priority_fields, (required("name"),)
)
USERS = RawTable(SYSTEM, "users", COLUMNS["users"], user_fields)
ISSUES = RawTable(
    SYSTEM,
    "issues",
    COLUMNS["issues"],
    issue_fields,
    (required("key", "project_key", "created", "updated"),),
)
ISSUE_CHANGELOG = RawTable(
    SYSTEM,
    "issue_changelog",
    COLUMNS["issue_changelog"],
    changelog_fields,
    (required("history_id", "issue_id", "created"),),
)

ALL_TABLES: list[RawTable] = [PROJECTS, STATUSES, PRIORITIES, USERS, ISSUES, ISSUE_CHANGELOG]
