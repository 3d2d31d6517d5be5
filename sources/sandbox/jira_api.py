"""The sandbox Jira Cloud REST API: the resources the Jira connector (and the ``jira`` client
library) call, in Jira Cloud's v3 wire format, over the ``jira_<table>`` tables of a
sandbox.duckdb.

- ``GET /rest/api/{2,3,latest}/serverInfo``, ``/myself``, ``/field`` (the system fields and
  the site's custom field ``Salesforce Opportunity ID``, ``customfield_10050``).
- ``GET|POST /rest/api/3/search/jql``: the enhanced JQL search, paged with an opaque
  ``nextPageToken`` and ``isLast``; ``fields`` (default: ``id`` only, as Jira Cloud),
  ``expand=changelog`` (at most the first ``EMBEDDED_HISTORIES`` histories; ``total`` tells
  the truth, the rest is at the issue's changelog resource), ``maxResults``.
  The old ``/rest/api/{2,3}/search`` answers 410 Gone, as Jira Cloud does since 2025.
- ``GET /rest/api/3/issue/{idOrKey}/changelog`` (``startAt``/``maxResults``/``isLast``).
- ``GET /rest/api/3/project/search`` (paged), ``/status``, ``/users/search`` (a plain list,
  paged by ``startAt``/``maxResults``; ``emailAddress`` omitted where Jira hides it),
  ``/priority/search`` (paged: the site's own priorities, e.g. ``P1``..``P4``).

What each resource accepts and returns is Atlassian's, as ``sources/jira/contract.py``
records it; every answered request is checked against it (``contract_problems``).  As in
Jira, a query parameter a resource does not document is ignored (and logged as a contract
problem), a POST body field it does not document is a 400; a documented parameter the
sandbox does not implement is a 400 that says so.

Only the JQL the connector sends is understood (``jira_jql``); anything else, an unknown
parameter or a bad page token is Jira's 400 ``{"errorMessages": [...], "errors": {}}``; a
bad credential is the 401.  Pages are read by keyset (``keyset``): ordered by the query's
order then ``id``, each page starts after the last issue of the previous one, whose sort key
travels in the opaque ``nextPageToken`` (Jira documents the token only as opaque; the
parameters and answers are Jira's, unchanged).  The small ``startAt`` resources (an
issue's changelog, projects, users, priorities) page by OFFSET, the offset being the
client's ``startAt``.  Rendering is ``jira_payloads``; the catalogue resources (serverInfo,
myself, field, project, status, priority, users) are ``jira_catalog_api``.
"""

from __future__ import annotations

import base64
import hmac
from pathlib import Path
from typing import Any

from sources.jira import contract
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER
from sources.sandbox.faults import FaultConfig
from sources.sandbox.jira_catalog_api import BOT_ACCOUNT_ID, JiraCatalogApi
from sources.sandbox.jira_jql import Jql, decode_page_token, encode_page_token
from sources.sandbox.jira_payloads import wanted_fields
from sources.sandbox.jira_request import field_list, int_param, reject_unimplemented
from sources.sandbox.jira_wire import jira_error
from sources.sandbox.jira_write_api import register
from sources.sandbox.keyset import key_columns, key_of, seek_sql
from sources.sandbox.server_base import Request, Response, RunningServer

__all__ = ["BOT_ACCOUNT_ID", "EMBEDDED_HISTORIES", "JiraApi", "Jql", "start"]

EMBEDDED_HISTORIES = 40  # histories Jira Cloud embeds in a search result's changelog
DEFAULT_SEARCH_PAGE = 50
MAX_SEARCH_PAGE = 100  # with fields or expand; 5000 when only ids are asked for
MAX_ID_PAGE = 5000

_V = r"/rest/api/(?P<version>2|3|latest)"

_SEARCH_IMPLEMENTED = {"jql", "nextPageToken", "maxResults", "fields", "expand"}
_SEARCH_HARMLESS = {"properties", "reconcileIssues", "fieldsByKeys", "failFast"}  # ignored


class JiraApi(JiraCatalogApi):
    name = "jira"

    def __init__(self, db_path: Path, embedded_histories: int = EMBEDDED_HISTORIES) -> None:
        super().__init__(db_path)
        self.base_url = ""
        self.embedded_histories = embedded_histories
        self._expected_auth = (
            "Basic " + base64.b64encode(f"{JIRA_USER}:{JIRA_API_TOKEN}".encode()).decode()
        )
        for method, pattern, handler in [
            ("GET", rf"{_V}/serverInfo", self.server_info),
            ("GET", rf"{_V}/myself", self.myself),
            ("GET", rf"{_V}/field", self.fields),
            ("GET", rf"{_V}/search/jql", self.search_jql),
            ("POST", rf"{_V}/search/jql", self.search_jql),
            ("GET", rf"{_V}/search", self.search_removed),
            ("POST", rf"{_V}/search", self.search_removed),
            ("GET", rf"{_V}/issue/(?P<issue>[^/]+)/changelog", self.issue_changelog),
            ("GET", rf"{_V}/project/search", self.project_search),
            ("GET", rf"{_V}/status", self.statuses),
            ("GET", rf"{_V}/users/search", self.users_search),
            ("GET", rf"{_V}/priority/search", self.priority_search),
        ]:
            self.route(method, pattern, handler)
        register(self)  # issue create/comment/label search

    # --- auth and errors -------------------------------------------------------------
    def authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), self._expected_auth.encode())

    def unauthorized(self) -> Response:
        return Response(
            401,
            {
                "errorMessages": [
                    "You are not authenticated. Authentication required to perform this operation."
                ],
                "errors": {},
            },
            headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
        )

    def not_found(self, request: Request) -> Response:
        return Response(
            404,
            {"errorMessages": [f"No resource found at {request.path}."], "errors": {}},
        )

    def error_body(self, status: int, message: str) -> Any:
        return {"errorMessages": [message], "errors": {}}

    def contract_problems(self, request: Request, response: Response) -> list[str]:
        """The request and its answer against Atlassian's REST v3 reference
        (``sources/jira/contract.py``)."""
        body: Any = None
        if request.body:
            try:
                body = request.json()
            except ValueError:
                body = "<not JSON>"
        served = any(m == request.method and p.match(request.path) for m, p, _ in self.routes)
        return contract.exchange_problems(
            request.method,
            request.path,
            request.query,
            body,
            response.status,
            response.body,
            served=served,
        )

    def search_removed(self, request: Request) -> Response:
        raise jira_error(410, contract.REMOVED_SEARCH_MESSAGE)

    def search_jql(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                body = request.json()
            except ValueError:
                raise jira_error(400, "The request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise jira_error(400, "The request body must be a JSON object.")
            body = {k: v for k, v in body.items() if v is not None}
            unknown = sorted(set(body) - contract.SEARCH_JQL.params)
            if unknown:
                raise jira_error(400, f'Unrecognized field "{unknown[0]}".')
            unimplemented = sorted(set(body) - _SEARCH_IMPLEMENTED - _SEARCH_HARMLESS)
            if unimplemented:
                raise jira_error(400, f"The sandbox Jira does not implement '{unimplemented[0]}'.")
            requested = field_list(body.get("fields"))
            expand = field_list(body.get("expand"))
        else:
            reject_unimplemented(
                request,
                contract.SEARCH_JQL_GET.params,
                _SEARCH_IMPLEMENTED | _SEARCH_HARMLESS,
            )
            body = {}
            requested = field_list(request.query_lists.get("fields"))
            expand = field_list(request.query_lists.get("expand"))
        jql_text = str(body.get("jql", request.query.get("jql", "")))
        jql = Jql(jql_text)
        wanted = wanted_fields(requested, self.custom_fields)
        with_changelog = "changelog" in expand
        cap = MAX_SEARCH_PAGE if (wanted or with_changelog) else MAX_ID_PAGE
        limit = min(int_param(request, "maxResults", DEFAULT_SEARCH_PAGE, body), cap)
        token = body.get("nextPageToken", request.query.get("nextPageToken"))
        sort = jql.sort
        conditions, params = list(jql.where), list(jql.params)
        if token:
            seek, seek_params = seek_sql(sort, decode_page_token(str(token), jql_text, len(sort)))
            conditions.append(seek)
            params += seek_params
        where = " AND ".join(conditions)
        rows = self.query(
            f"""
            SELECT {key_columns(sort)}, i.*,
                   p.id AS p_id, p.name AS p_name, p.project_type_key AS p_type,
                   a.display_name AS a_name, a.email_address AS a_email, a.active AS a_active,
                   r.display_name AS r_name, r.email_address AS r_email, r.active AS r_active,
                   pr.id AS pr_id
            FROM jira_issues i
            LEFT JOIN jira_projects p ON p.key = i.project_key
            LEFT JOIN jira_priorities pr ON pr.name = i.priority
            LEFT JOIN jira_users a ON a.account_id = i.assignee_account_id
            LEFT JOIN jira_users r ON r.account_id = i.reporter_account_id
            WHERE {where}
            ORDER BY {jql.order_sql()}
            LIMIT ?
            """,
            [*params, limit + 1],
        )
        is_last = len(rows) <= limit
        rows = rows[:limit]
        issues = [
            self.bad_records.apply("issues", row["id"], self._issue(row, wanted)) for row in rows
        ]
        if with_changelog and rows:
            ids = [row["id"] for row in rows]
            items = self._changelog_rows(ids, 0, self.embedded_histories)
            by_issue: dict[str, list[dict[str, Any]]] = {}
            totals: dict[str, int] = {}
            for item in items:
                by_issue.setdefault(item["issue_id"], []).append(item)
                totals[item["issue_id"]] = item["total"]
            for row, issue in zip(rows, issues, strict=True):
                histories = self._histories(by_issue.get(row["id"], []))
                issue["changelog"] = {
                    "startAt": 0,
                    "maxResults": len(histories),
                    "total": totals.get(row["id"], 0),
                    "histories": histories,
                }
        page: dict[str, Any] = {"issues": issues}
        if not is_last:
            page["nextPageToken"] = encode_page_token(key_of(rows[-1], sort), jql_text)
        page["isLast"] = is_last
        return Response(200, page)

    def issue_changelog(self, request: Request) -> Response:
        reject_unimplemented(request, contract.ISSUE_CHANGELOG.params, {"startAt", "maxResults"})
        ref = request.match.group("issue") if request.match else ""
        found = self.query("SELECT id, key FROM jira_issues WHERE id = ? OR key = ?", [ref, ref])
        if not found:
            raise jira_error(404, "Issue does not exist or you do not have permission to see it.")
        issue_id = found[0]["id"]
        start = int_param(request, "startAt", 0, {})
        limit = min(int_param(request, "maxResults", 100, {}), 100)
        total = self._history_totals([issue_id]).get(issue_id, 0)
        values = self._histories(self._changelog_rows([issue_id], start, limit)) if limit else []
        is_last = start + limit >= total
        page: dict[str, Any] = {
            "self": self._api(f"issue/{ref}/changelog?maxResults={limit}&startAt={start}"),
            "maxResults": limit,
            "startAt": start,
            "total": total,
            "isLast": is_last,
            "values": values,
        }
        if not is_last:
            page["nextPage"] = self._api(
                f"issue/{ref}/changelog?maxResults={limit}&startAt={start + limit}"
            )
        return Response(200, page)


def start(
    db_path: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    embedded_histories: int = EMBEDDED_HISTORIES,
    faults: FaultConfig | None = None,
) -> RunningServer:
    """Serve ``db_path``'s Jira tables; ``env`` holds JIRA_URL, JIRA_USER, JIRA_API_TOKEN."""
    api = JiraApi(Path(db_path), embedded_histories=embedded_histories)
    server = RunningServer(api, host=host, port=port, faults=faults)
    api.base_url = server.url
    server.env = {"JIRA_URL": server.url, "JIRA_USER": JIRA_USER, "JIRA_API_TOKEN": JIRA_API_TOKEN}
    return server
