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
- ``GET /rest/api/3/field`` ("Get fields") lists system and custom fields; a custom
  field's id (``customfield_NNNNN``) differs from site to site, so psops finds the one it
  reads by name, and the search returns it only when ``fields`` names that id.
- Jira ignores query parameters it does not know; a POST body with an unknown field is a
  400 ("Unrecognized field").

The fields of each record shape (and the nested checks of an issue or a changelog history)
are in ``sources/jira/contract_records.py``; this module has the resources and the checks of
one exchange.

The sandbox (``sources/sandbox/jira_api.py``) serves these resources from this contract and
logs every departure (``exchange_problems``); the connector sends only what is here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sources.common.contract import Endpoint, Field, record_problems
from sources.jira.contract_records import (
    FIELD_DETAILS_FIELDS,
    HISTORY_FIELDS,
    ISSUE_FIELDS,
    PAGE_FIELDS,
    PRIORITY_FIELDS,
    PROJECT_FIELDS,
    SEARCH_BODY_FIELDS,
    SEARCH_PAGE_FIELDS,
    STATUS_CATEGORY_FIELDS,
    STATUS_FIELDS,
    USER_FIELDS,
    history_problems,
    issue_problems,
    nested_problems,
)

REFERENCE = "https://developer.atlassian.com/cloud/jira/platform/rest/v3"
VERSIONS = ("2", "3", "latest")  # Jira Cloud serves v2 and v3 under the same resources

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
        category = record.get("statusCategory")
        problems += nested_problems("statuses statusCategory", STATUS_CATEGORY_FIELDS, category)
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
