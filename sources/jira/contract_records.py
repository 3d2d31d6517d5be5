"""What the records of the Jira Cloud platform REST API (v3) hold, as psops reads them: the
fields of each record shape (``Field``: JSON type, always present or not, nullable or not),
and the checks of the nested ones (an issue with its ``fields`` values and changelog, a
changelog history).  The resources that return them are in ``sources/jira/contract.py``
(authority: https://developer.atlassian.com/cloud/jira/platform/rest/v3/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sources.common.contract import Field, record_problems

# A page of a paged list ("PageBean..."), e.g. /project/search, /priority/search, changelog.
# https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#pagination
PAGE_FIELDS = (
    Field("self", "string"),
    Field("nextPage", "string"),
    Field("maxResults", "integer", required=True, nullable=False),
    Field("startAt", "integer", required=True, nullable=False),
    Field("total", "integer"),
    Field("isLast", "boolean", required=True, nullable=False),
    Field("values", "array", required=True, nullable=False),
)

# SearchAndReconcileResults (search/jql): nextPageToken is absent on the last page.
SEARCH_PAGE_FIELDS = (
    Field("issues", "array", required=True, nullable=False),
    Field("isLast", "boolean"),
    Field("nextPageToken", "string"),
    Field("names", "object"),
    Field("schema", "object"),
)

# User (users/search, issue assignee/reporter, changelog author): emailAddress only where the
# profile visibility allows it.  .../api-group-users/#api-rest-api-3-users-search-get
USER_FIELDS = (
    Field("self", "string"),
    Field("accountId", "string", required=True, nullable=False),
    Field("accountType", "string"),
    Field("emailAddress", "string"),
    Field("displayName", "string"),
    Field("active", "boolean"),
    Field("timeZone", "string"),
    Field("locale", "string"),
)

# StatusCategory: key is new | indeterminate | done (| undefined)
STATUS_CATEGORY_FIELDS = (
    Field("self", "string"),
    Field("id", "integer"),
    Field("key", "string", required=True, nullable=False),
    Field("colorName", "string"),
    Field("name", "string"),
)

# StatusDetails (/status, issue.fields.status)
STATUS_FIELDS = (
    Field("self", "string"),
    Field("description", "string"),
    Field("iconUrl", "string"),
    Field("name", "string", required=True, nullable=False),
    Field("untranslatedName", "string"),
    Field("id", "string", required=True, nullable=False),
    Field("statusCategory", "object", required=True, nullable=False),
    Field("scope", "object"),
)

# Priority (/priority/search values, issue.fields.priority).  isDefault: deprecated
# (CHANGE-1655).  .../api-group-issue-priorities/#api-rest-api-3-priority-search-get
PRIORITY_FIELDS = (
    Field("self", "string"),
    Field("statusColor", "string"),
    Field("description", "string"),
    Field("iconUrl", "string"),
    Field("name", "string", required=True, nullable=False),
    Field("id", "string", required=True, nullable=False),
    Field("isDefault", "boolean"),
    Field("avatarId", "integer"),
    Field("schemes", "object"),
)

# Project (/project/search values, issue.fields.project)
PROJECT_FIELDS = (
    Field("self", "string"),
    Field("id", "string", required=True, nullable=False),
    Field("key", "string", required=True, nullable=False),
    Field("name", "string"),
    Field("projectTypeKey", "string"),
    Field("simplified", "boolean"),
    Field("style", "string"),
    Field("isPrivate", "boolean"),
    Field("expand", "string"),
)

# IssueTypeDetails (issue.fields.issuetype)
ISSUE_TYPE_FIELDS = (
    Field("self", "string"),
    Field("id", "string"),
    Field("name", "string", required=True, nullable=False),
    Field("subtask", "boolean"),
    Field("hierarchyLevel", "integer"),
)

# IssueBean (search/jql issues): ``fields`` holds only the fields asked for (default: none).
ISSUE_FIELDS = (
    Field("expand", "string"),
    Field("id", "string", required=True, nullable=False),
    Field("self", "string"),
    Field("key", "string", required=True, nullable=False),
    Field("fields", "object"),
    Field("changelog", "object"),
)

# issue.fields.<name> as psops reads them: (type, nested record fields).  created and
# updated are always set; priority, assignee, reporter and resolutiondate may be null.
ISSUE_FIELD_VALUES: dict[str, tuple[Field, tuple[Field, ...]]] = {
    "project": (Field("project", "object", nullable=False), PROJECT_FIELDS),
    "issuetype": (Field("issuetype", "object", nullable=False), ISSUE_TYPE_FIELDS),
    "priority": (Field("priority", "object"), PRIORITY_FIELDS),
    "status": (Field("status", "object", nullable=False), STATUS_FIELDS),
    "summary": (Field("summary", "string"), ()),
    "assignee": (Field("assignee", "object"), USER_FIELDS),
    "reporter": (Field("reporter", "object"), USER_FIELDS),
    "created": (Field("created", "datetime", nullable=False), ()),
    "updated": (Field("updated", "datetime", nullable=False), ()),
    "resolutiondate": (Field("resolutiondate", "datetime"), ()),
}

# issue.fields.customfield_NNNNN: a custom field is sent by id only (ids differ between
# sites; /field names them, FIELD_DETAILS_FIELDS below) and only when ``fields`` asks for
# it.  Its value's JSON type is the field's ``schema.type``: a text field's string, a
# number, a select's option object (``self``, ``value``, ``id``), a multi-select's array of
# them; null when the issue leaves it empty.  psops reads one: the text field named
# "Salesforce Opportunity ID" (PSOPS_JIRA_OPPORTUNITY_FIELD), tolerating an option shape.
# .../api-group-issue-fields/#api-rest-api-3-field-get

# Changelog (issue changelog values, search/jql changelog.histories)
HISTORY_FIELDS = (
    Field("id", "string", required=True, nullable=False),
    Field("author", "object"),
    Field("created", "datetime", required=True, nullable=False),
    Field("items", "array", required=True, nullable=False),
)
# ChangeDetails: from/to are ids, fromString/toString the names; any may be null.
CHANGE_ITEM_FIELDS = (
    Field("field", "string", required=True, nullable=False),
    Field("fieldtype", "string"),
    Field("fieldId", "string"),
    Field("from", "string"),
    Field("fromString", "string"),
    Field("to", "string"),
    Field("toString", "string"),
)

# FieldDetails (/field): names custom fields customfield_NNNNN (``custom`` true; ``schema``
# holds ``type``, and for a custom field ``custom`` (its type key) and ``customId``)
FIELD_DETAILS_FIELDS = (
    Field("id", "string", required=True, nullable=False),
    Field("key", "string"),
    Field("name", "string", required=True, nullable=False),
    Field("custom", "boolean"),
    Field("orderable", "boolean"),
    Field("navigable", "boolean"),
    Field("searchable", "boolean"),
    Field("clauseNames", "array"),
    Field("schema", "object"),
)

# POST /search/jql body (SearchAndReconcileRequestBean): expand is a comma-separated string.
SEARCH_BODY_FIELDS = (
    Field("expand", "string"),
    Field("fields", "array"),
    Field("fieldsByKeys", "boolean"),
    Field("jql", "string"),
    Field("maxResults", "integer"),
    Field("nextPageToken", "string"),
    Field("properties", "array"),
    Field("reconcileIssues", "array"),
)


def nested_problems(label: str, specs: tuple[Field, ...], value: Any) -> list[str]:
    """The problems of a nested object (none when it is absent or psops reads none of it)."""
    if not specs or not isinstance(value, Mapping):
        return []
    return [f"{label}.{p}" for p in record_problems(specs, value)]


def issue_problems(issue: Mapping[str, Any]) -> list[str]:
    """An IssueBean: its own fields, the psops-read ``fields`` values and the embedded
    changelog's histories."""
    problems = [f"issue {p}" for p in record_problems(ISSUE_FIELDS, issue)]
    fields = issue.get("fields")
    if isinstance(fields, Mapping):
        for name, (spec, nested) in ISSUE_FIELD_VALUES.items():
            if name in fields:
                problems += [f"issue fields.{p}" for p in record_problems((spec,), fields)]
                problems += nested_problems(f"issue fields.{name}", nested, fields[name])
        status = fields.get("status")
        if isinstance(status, Mapping):
            category = status.get("statusCategory")
            problems += nested_problems(
                "issue fields.status.statusCategory", STATUS_CATEGORY_FIELDS, category
            )
    changelog = issue.get("changelog")
    if isinstance(changelog, Mapping):
        for history in changelog.get("histories") or []:
            problems += history_problems(history)
    return problems


def history_problems(history: Any) -> list[str]:
    """A changelog history: its own fields, its author and each change item."""
    if not isinstance(history, Mapping):
        return ["history is not an object"]
    problems = [f"history {p}" for p in record_problems(HISTORY_FIELDS, history)]
    problems += nested_problems("history author", USER_FIELDS, history.get("author"))
    for item in history.get("items") or []:
        problems += nested_problems("history item", CHANGE_ITEM_FIELDS, item)
    return problems
