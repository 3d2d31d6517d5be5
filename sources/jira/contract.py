"""What Atlassian documents about the Jira Cloud platform REST API (v3) resources psops
uses: paths, the query parameters (or POST body fields) each accepts, and the fields of the
records psops reads, with their JSON types.

Authority: the Jira Cloud platform REST API v3 reference,
https://developer.atlassian.com/cloud/jira/platform/rest/v3/ (one ``cite`` per endpoint).
The parameter lists were checked against a client generated from Atlassian's current
OpenAPI document (``MrRefactoring/jira.js``, ``src/cloud/api/*.ts``).

Facts worth knowing (each cited below):

- ``GET|POST /rest/api/3/search`` was removed from Jira Cloud (CHANGE-2046) and answers
  410 Gone; the enhanced search ``/rest/api/3/search/jql`` pages with ``nextPageToken`` and
  ``isLast``.  Its POST body has no ``failFast`` (only the GET takes it).
- ``GET /rest/api/3/priority`` (the unpaged "Get priorities") is no longer in the
  reference: priorities are listed by ``GET /rest/api/3/priority/search`` (paged;
  ``isDefault`` and ``onlyDefault`` are deprecated, CHANGE-1655).
- ``/rest/api/3/users/search`` answers a bare JSON list; ``emailAddress`` is absent where
  the user's profile visibility hides it.
- Jira ignores query parameters it does not know; a POST body with an unknown field is a
  400 ("Unrecognized field").

The sandbox (``sources/sandbox/jira_api.py``) serves these resources from this contract and
logs every departure (``exchange_problems``); the connector sends only what is here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sources.common.contract import Endpoint, Field, record_problems

REFERENCE = "https://developer.atlassian.com/cloud/jira/platform/rest/v3"
VERSIONS = ("2", "3", "latest")  # Jira Cloud serves v2 and v3 under the same resources

# --- records -----------------------------------------------------------------------------
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

# FieldDetails (/field): names custom fields customfield_NNNNN
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

# --- endpoints ---------------------------------------------------------------------------
SEARCH_JQL = Endpoint(
    name="issues",
    path="/rest/api/3/search/jql",
    method="POST",
    cite=f"{REFERENCE}/api-group-issue-search/#api-rest-api-3-search-jql-post",
    params=frozenset(f.name for f in SEARCH_BODY_FIELDS),  # body fields
    fields=ISSUE_FIELDS,
    extra={"body": SEARCH_BODY_FIELDS, "records": "issues", "max_results": 5000},
)
SEARCH_JQL_GET = Endpoint(
    name="issues",
    path="/rest/api/3/search/jql",
    cite=f"{REFERENCE}/api-group-issue-search/#api-rest-api-3-search-jql-get",
    params=frozenset(
        {
            "jql",
            "nextPageToken",
            "maxResults",
            "fields",
            "expand",
            "properties",
            "fieldsByKeys",
            "failFast",
            "reconcileIssues",
        }
    ),
    fields=ISSUE_FIELDS,
    extra={"records": "issues", "max_results": 5000},
)
ISSUE_CHANGELOG = Endpoint(
    name="issue_changelog",
    path="/rest/api/3/issue/{issueIdOrKey}/changelog",
    cite=f"{REFERENCE}/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get",
    params=frozenset({"startAt", "maxResults"}),
    fields=HISTORY_FIELDS,
    extra={"records": "values", "max_results": 100},
)
PROJECT_SEARCH = Endpoint(
    name="projects",
    path="/rest/api/3/project/search",
    cite=f"{REFERENCE}/api-group-projects/#api-rest-api-3-project-search-get",
    params=frozenset(
        {
            "startAt",
            "maxResults",
            "orderBy",
            "id",
            "keys",
            "query",
            "typeKey",
            "categoryId",
            "action",
            "expand",
            "status",
            "properties",
            "propertyQuery",
        }
    ),
    fields=PROJECT_FIELDS,
    extra={"records": "values", "max_results": 100},
)
STATUSES = Endpoint(
    name="statuses",
    path="/rest/api/3/status",  # "Get all statuses" (Browse projects is enough)
    cite=f"{REFERENCE}/api-group-workflow-statuses/#api-rest-api-3-status-get",
    fields=STATUS_FIELDS,
    extra={"records": None},  # a bare list
)
USERS_SEARCH = Endpoint(
    name="users",
    path="/rest/api/3/users/search",
    cite=f"{REFERENCE}/api-group-users/#api-rest-api-3-users-search-get",
    params=frozenset({"startAt", "maxResults", "expand"}),
    fields=USER_FIELDS,
    extra={"records": None, "max_results": 1000},  # a bare list
)
PRIORITY_SEARCH = Endpoint(
    name="priorities",
    path="/rest/api/3/priority/search",
    cite=f"{REFERENCE}/api-group-issue-priorities/#api-rest-api-3-priority-search-get",
    params=frozenset(
        {"startAt", "maxResults", "id", "projectId", "priorityName", "onlyDefault", "expand"}
    ),
    fields=PRIORITY_FIELDS,
    extra={"records": "values", "max_results": 50},
)
FIELDS = Endpoint(
    name="fields",
    path="/rest/api/3/field",
    cite=f"{REFERENCE}/api-group-issue-fields/#api-rest-api-3-field-get",
    fields=FIELD_DETAILS_FIELDS,
    extra={"records": None},  # a bare list
)
MYSELF = Endpoint(
    name="myself",
    path="/rest/api/3/myself",
    cite=f"{REFERENCE}/api-group-myself/#api-rest-api-3-myself-get",
    params=frozenset({"expand"}),
    fields=USER_FIELDS,
    extra={"records": ""},  # one object
)
SERVER_INFO = Endpoint(
    name="server_info",
    path="/rest/api/3/serverInfo",
    cite=f"{REFERENCE}/api-group-server-info/#api-rest-api-3-serverinfo-get",
    fields=(
        Field("baseUrl", "string"),
        Field("deploymentType", "string"),
        Field("versionNumbers", "array"),
    ),
    extra={"records": ""},
)

ENDPOINTS: tuple[Endpoint, ...] = (
    SEARCH_JQL,
    SEARCH_JQL_GET,
    ISSUE_CHANGELOG,
    PROJECT_SEARCH,
    STATUSES,
    USERS_SEARCH,
    PRIORITY_SEARCH,
    FIELDS,
    MYSELF,
    SERVER_INFO,
)

# Removed from Jira Cloud: 410 Gone with this message (CHANGE-2046; the text as Jira Cloud
# sends it, quoted in https://github.com/OctopusDeploy/Issues/issues/9563).
REMOVED_SEARCH = "/rest/api/3/search"
REMOVED_SEARCH_MESSAGE = (
    "The requested API has been removed. Please use the newer, enhanced search-based API "
    "instead. Deprecation details are available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046."
)


def _pattern(path: str) -> re.Pattern[str]:
    """``/rest/api/3/issue/{issueIdOrKey}/changelog`` -> a regex for any API version."""
    escaped = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
    return re.compile("^" + escaped.replace("/rest/api/3/", "/rest/api/(?:2|3|latest)/", 1) + "$")


_PATTERNS = [(endpoint, _pattern(endpoint.path)) for endpoint in ENDPOINTS]
_REMOVED = _pattern(REMOVED_SEARCH)


def endpoint_for(method: str, path: str) -> Endpoint | None:
    """The documented endpoint answering ``method path`` (any API version), or None."""
    for endpoint, pattern in _PATTERNS:
        if endpoint.method == method and pattern.match(path):
            return endpoint
    return None


def is_removed(path: str) -> bool:
    return bool(_REMOVED.match(path))


def body_problems(endpoint: Endpoint, body: Any) -> list[str]:
    """Undocumented or mistyped fields of a POST body (nulls count as absent)."""
    if not isinstance(body, Mapping):
        return [f"{endpoint.path}: the body must be a JSON object"]
    given = {k: v for k, v in body.items() if v is not None}
    problems = [
        f"{endpoint.path}: body field {name!r} is not documented"
        for name in sorted(set(given) - endpoint.params)
    ]
    specs = endpoint.extra.get("body", ())
    problems += [f"{endpoint.path}: body {p}" for p in record_problems(specs, given)]
    return problems


def response_records(endpoint: Endpoint, body: Any) -> list[Any]:
    """The records of a 200 answer: a page's ``values``, a search's ``issues``, a bare
    list, or the one object."""
    key = endpoint.extra.get("records")
    if key == "":
        return [body]
    if key is None:
        return list(body) if isinstance(body, list) else [body]
    return list(body.get(key) or []) if isinstance(body, Mapping) else [body]


def _nested(label: str, specs: tuple[Field, ...], value: Any) -> list[str]:
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
                problems += _nested(f"issue fields.{name}", nested, fields[name])
        status = fields.get("status")
        if isinstance(status, Mapping):
            category = status.get("statusCategory")
            problems += _nested(
                "issue fields.status.statusCategory", STATUS_CATEGORY_FIELDS, category
            )
    changelog = issue.get("changelog")
    if isinstance(changelog, Mapping):
        for history in changelog.get("histories") or []:
            problems += history_problems(history)
    return problems


def history_problems(history: Any) -> list[str]:
    if not isinstance(history, Mapping):
        return ["history is not an object"]
    problems = [f"history {p}" for p in record_problems(HISTORY_FIELDS, history)]
    problems += _nested("history author", USER_FIELDS, history.get("author"))
    for item in history.get("items") or []:
        problems += _nested("history item", CHANGE_ITEM_FIELDS, item)
    return problems


def record_problems_of(endpoint: Endpoint, record: Any) -> list[str]:
    """One response record checked against the endpoint's documented fields (nested
    objects too where psops reads them)."""
    if not isinstance(record, Mapping):
        return [f"{endpoint.name}: record is not an object"]
    if endpoint.name == "issues":
        return issue_problems(record)
    if endpoint is ISSUE_CHANGELOG:
        return history_problems(record)
    problems = endpoint.record_problems(record)
    if endpoint is STATUSES:
        problems += _nested("statuses statusCategory", STATUS_CATEGORY_FIELDS,
                            record.get("statusCategory"))  # fmt: skip
    return problems


def exchange_problems(
    method: str,
    path: str,
    query: Mapping[str, Any],
    body: Any,
    status: int | None,
    answer: Any,
    served: bool = False,
) -> list[str]:
    """Where one request (and, on 200, its answer) departs from this contract.  A path this
    contract does not describe is a problem when nothing serves it (``served``: a route of
    the sandbox answered, e.g. the data-quality loop's issue creation, judged elsewhere)."""
    endpoint = endpoint_for(method, path)
    if endpoint is None:
        if is_removed(path):
            return [f"{method} {path} was removed from Jira Cloud (CHANGE-2046): "
                    "use POST /rest/api/3/search/jql"]  # fmt: skip
        if not served:
            return [f"{method} {path} is not a documented Jira Cloud REST resource"]
        return []
    problems: list[str] = []
    if endpoint.method == "POST":
        problems += [f"{path}: query parameter {name!r} is not documented" for name in query]
        problems += body_problems(endpoint, body if body is not None else {})
    else:
        problems += endpoint.request_problems(query)
    if status == 200:
        page = {"values": PAGE_FIELDS, "issues": SEARCH_PAGE_FIELDS}.get(
            endpoint.extra.get("records") or ""
        )
        if page is not None and isinstance(answer, Mapping):
            problems += [f"{endpoint.name} page: {p}" for p in record_problems(page, answer)]
        for record in response_records(endpoint, answer):
            problems += record_problems_of(endpoint, record)
    return problems
