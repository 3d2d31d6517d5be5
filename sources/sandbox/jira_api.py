"""The sandbox Jira Cloud REST API: the resources the Jira connector (and the ``jira`` client
library) call, in Jira Cloud's v3 wire format, over the ``jira_<table>`` tables of a
sandbox.duckdb.

- ``GET /rest/api/{2,3,latest}/serverInfo``, ``/myself``, ``/field``.
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

Only the JQL the connector sends is understood::

    [project = KEY | project in (K1, K2)] [AND] [updated >=|>|<=|< "yyyy-MM-dd[ HH:mm]"]
    [ORDER BY updated|created|key|id [ASC|DESC], ...]

(clauses joined by ``AND``; times in the searching user's time zone, UTC here, with
minute precision as in Jira).  Anything else, an unknown parameter or a bad page token is
Jira's 400 ``{"errorMessages": [...], "errors": {}}``; a bad credential is the 401.
Pages are read with SQL LIMIT/OFFSET ordered by the query's order then ``id``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sources.jira import contract
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER
from sources.sandbox.faults import FaultConfig
from sources.sandbox.jira_wire import jira_error, jira_time
from sources.sandbox.jira_write_api import register
from sources.sandbox.server_base import ApiError, Request, Response, RunningServer, SandboxApi

EMBEDDED_HISTORIES = 40  # histories Jira Cloud embeds in a search result's changelog
DEFAULT_SEARCH_PAGE = 50
MAX_SEARCH_PAGE = 100  # with fields or expand; 5000 when only ids are asked for
MAX_ID_PAGE = 5000
BOT_ACCOUNT_ID = "712020:00000000-0000-4000-8000-00000000b0t5"

_V = r"/rest/api/(?P<version>2|3|latest)"

_CATEGORIES: dict[str, tuple[int, str, str]] = {  # key -> (id, name, colorName)
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}

# system fields: id -> (name, clause names, schema type)
_FIELDS: dict[str, tuple[str, list[str], str]] = {
    "project": ("Project", ["project"], "project"),
    "issuetype": ("Issue Type", ["issuetype", "type"], "issuetype"),
    "priority": ("Priority", ["priority"], "priority"),
    "status": ("Status", ["status"], "status"),
    "summary": ("Summary", ["summary"], "string"),
    "assignee": ("Assignee", ["assignee"], "user"),
    "reporter": ("Reporter", ["reporter"], "user"),
    "created": ("Created", ["created", "createdDate"], "datetime"),
    "updated": ("Updated", ["updated", "updatedDate"], "datetime"),
    "resolutiondate": ("Resolved", ["resolutiondate", "resolved"], "datetime"),
}

# what the sandbox's search implements of the documented parameters (the others: 400)
_SEARCH_IMPLEMENTED = {"jql", "nextPageToken", "maxResults", "fields", "expand"}
_SEARCH_HARMLESS = {"properties", "reconcileIssues", "fieldsByKeys", "failFast"}  # ignored

_ORDER_COLUMNS = {"updated": "i.updated", "created": "i.created", "key": "i.key", "id": "i.id"}
_ORDER_BY = re.compile(r"\s+ORDER\s+BY\s+(?P<order>.+)$", re.IGNORECASE | re.DOTALL)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_KEY = r'"?(?P<{name}>[A-Z][A-Z0-9_]*)"?'
_PROJECT_EQ = re.compile(r"^project\s*=\s*" + _KEY.format(name="key") + r"$", re.IGNORECASE)
_PROJECT_IN = re.compile(r"^project\s+in\s*\((?P<keys>[^)]*)\)$", re.IGNORECASE)
_TIME_CLAUSE = re.compile(
    r"^(?P<field>updated|updatedDate|created|createdDate)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<q>[\"']?)(?P<value>\d{4}[-/]\d{2}[-/]\d{2}(?: \d{2}:\d{2})?)(?P=q)$",
    re.IGNORECASE,
)
_ORDER_ITEM = re.compile(r"^(?P<field>\w+)(?:\s+(?P<dir>ASC|DESC))?$", re.IGNORECASE)


def _int_param(request: Request, name: str, default: int, body: dict[str, Any]) -> int:
    raw = body.get(name, request.query.get(name))
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise jira_error(400, f"The '{name}' parameter must be an integer.") from None
    if value < 0:
        raise jira_error(400, f"The '{name}' parameter must not be negative.")
    return value


def _reject_unimplemented(
    request: Request, documented: frozenset[str] | set[str], implemented: set[str]
) -> None:
    """A documented parameter the sandbox cannot honour is a 400 saying so; one the
    resource does not document is ignored, as Jira ignores it (the contract log shows it)."""
    missing = sorted((set(request.query) & set(documented)) - implemented)
    if missing:
        raise jira_error(400, f"The sandbox Jira does not implement the parameter '{missing[0]}'.")


class Jql:
    """The parsed subset of JQL: SQL conditions and order over ``jira_issues i``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where: list[str] = []
        self.params: list[Any] = []
        self.order: list[str] = []
        self._parse(text.strip())

    def _parse(self, text: str) -> None:
        order_match = _ORDER_BY.search(" " + text)
        where_text = text
        if order_match:
            where_text = (" " + text)[: order_match.start()].strip()
            for item in order_match.group("order").split(","):
                self._order_item(item.strip())
        if not where_text:
            raise jira_error(
                400,
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query.",
            )
        for clause in _AND.split(where_text):
            self._clause(clause.strip())

    def _order_item(self, item: str) -> None:
        match = _ORDER_ITEM.match(item)
        column = _ORDER_COLUMNS.get(match.group("field").lower()) if match else None
        if column is None:
            raise self._unsupported(f"ORDER BY {item}")
        self.order.append(f"{column} {(match.group('dir') or 'ASC').upper()}")

    def _clause(self, clause: str) -> None:
        if match := _PROJECT_EQ.match(clause):
            self.where.append("i.project_key = ?")
            self.params.append(match.group("key").upper())
        elif match := _PROJECT_IN.match(clause):
            keys = [k.strip().strip("\"'").upper() for k in match.group("keys").split(",")]
            if not keys or not all(re.fullmatch(r"[A-Z][A-Z0-9_]*", k) for k in keys):
                raise self._unsupported(clause)
            self.where.append(f"i.project_key IN ({', '.join('?' for _ in keys)})")
            self.params.extend(keys)
        elif match := _TIME_CLAUSE.match(clause):
            column = "i.updated" if match.group("field").lower().startswith("u") else "i.created"
            value = match.group("value").replace("/", "-")
            moment = datetime.strptime(value, "%Y-%m-%d %H:%M" if " " in value else "%Y-%m-%d")
            self.where.append(f"{column} {match.group('op')} ?")
            self.params.append(moment)
        else:
            raise self._unsupported(clause)

    def _unsupported(self, part: str) -> ApiError:
        return jira_error(
            400,
            f"Error in the JQL Query: the sandbox Jira does not support '{part}'. "
            "It understands project = KEY, project in (...), updated/created >= "
            '"yyyy-MM-dd HH:mm" joined by AND, and ORDER BY updated|created|key|id.',
        )

    def order_sql(self) -> str:
        return ", ".join([*self.order, "i.id ASC"])


def _encode_token(offset: int, jql: str) -> str:
    payload = json.dumps({"o": offset, "q": jql}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode_token(token: str, jql: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["q"] != jql:
            raise ValueError("token of another query")
        return int(payload["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise jira_error(400, "The provided next page token is invalid or expired.") from None


def _field_list(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


def _wanted_fields(requested: list[str]) -> set[str]:
    """The issue fields to render: Jira Cloud's search/jql returns only ids by default."""
    wanted: set[str] = set()
    for name in requested:
        if name in ("*all", "*navigable"):
            wanted |= set(_FIELDS)
    for name in requested:
        if name.startswith("-"):
            wanted.discard(name[1:])
        elif name in _FIELDS:
            wanted.add(name)
    return wanted


class JiraApi(SandboxApi):
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

    # --- rendering -------------------------------------------------------------------
    def _api(self, path: str) -> str:
        return f"{self.base_url}/rest/api/3/{path}"

    def _icon(self, priority: Any) -> str:
        return f"{self.base_url}/images/icons/priorities/{str(priority).lower()}.svg"

    def _user(
        self,
        account_id: str | None,
        display_name: str | None,
        email: str | None,
        active: bool | None,
    ) -> dict[str, Any] | None:
        if account_id is None:
            return None
        user: dict[str, Any] = {
            "self": self._api(f"user?accountId={account_id}"),
            "accountId": account_id,
        }
        if email is not None:
            user["emailAddress"] = email
        user.update(
            {
                "displayName": display_name,
                "active": True if active is None else bool(active),
                "timeZone": "UTC",
                "accountType": "atlassian",
            }
        )
        return user

    def _status(self, status_id: Any, name: Any, category_key: Any) -> dict[str, Any]:
        cat_id, cat_name, color = _CATEGORIES.get(category_key or "", (1, "No Category", ""))
        return {
            "self": self._api(f"status/{status_id}"),
            "description": "",
            "name": name,
            "untranslatedName": name,
            "id": None if status_id is None else str(status_id),
            "statusCategory": {
                "self": self._api(f"statuscategory/{cat_id}"),
                "id": cat_id,
                "key": category_key,
                "colorName": color,
                "name": cat_name,
            },
        }

    def _history(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        first = rows[0]
        return {
            "id": first["history_id"],
            "author": self._user(
                first["author_account_id"], first["u_name"], first["u_email"], first["u_active"]
            ),
            "created": jira_time(first["h_created"]),
            "items": [
                {
                    "field": row["field"],
                    "fieldtype": "jira",
                    "fieldId": row["field"],
                    "from": row["from_id"],
                    "fromString": row["from_string"],
                    "to": row["to_id"],
                    "toString": row["to_string"],
                }
                for row in rows
            ],
        }

    def _histories(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grouped: dict[Any, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(row["history_id"], []).append(row)
        return [self._history(items) for items in grouped.values()]

    def _changelog_rows(
        self, issue_ids: list[str], offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """Items of histories offset+1 .. offset+limit (per issue, oldest first)."""
        marks = ", ".join("?" for _ in issue_ids)
        return self.query(
            f"""
            WITH h AS (
                SELECT issue_id, history_id, min(created) AS h_created,
                       any_value(author_account_id) AS author_account_id,
                       row_number() OVER (
                           PARTITION BY issue_id ORDER BY min(created), history_id) AS rn,
                       count(*) OVER (PARTITION BY issue_id) AS total
                FROM jira_issue_changelog
                WHERE issue_id IN ({marks})
                GROUP BY issue_id, history_id
            )
            SELECT h.issue_id, h.history_id, h.h_created, h.author_account_id, h.rn, h.total,
                   c.field, c.from_id, c.from_string, c.to_id, c.to_string,
                   u.display_name AS u_name, u.email_address AS u_email, u.active AS u_active
            FROM h
            JOIN jira_issue_changelog c
              ON c.issue_id = h.issue_id AND c.history_id = h.history_id
            LEFT JOIN jira_users u ON u.account_id = h.author_account_id
            WHERE h.rn > ? AND h.rn <= ?
            ORDER BY h.issue_id, h.rn,
                     TRY_CAST(regexp_extract(c.id, '-(\\d+)$', 1) AS INTEGER), c.id
            """,
            [*issue_ids, offset, offset + limit],
        )

    def _history_totals(self, issue_ids: list[str]) -> dict[str, int]:
        marks = ", ".join("?" for _ in issue_ids)
        rows = self.query(
            f"SELECT issue_id, count(DISTINCT history_id) AS n FROM jira_issue_changelog "
            f"WHERE issue_id IN ({marks}) GROUP BY issue_id",
            issue_ids,
        )
        return {row["issue_id"]: row["n"] for row in rows}

    def _issue(self, row: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
        all_fields: dict[str, Any] = {
            "project": {
                "self": self._api(f"project/{row['p_id']}"),
                "id": row["p_id"],
                "key": row["project_key"],
                "name": row["p_name"],
                "projectTypeKey": row["p_type"],
            },
            "issuetype": {"name": row["issue_type"], "subtask": False},
            "priority": {
                "self": self._api(f"priority/{row['pr_id']}"),
                "iconUrl": self._icon(row["priority"]),
                "name": row["priority"],
                "id": row["pr_id"],
            },
            "status": self._status(
                row["status_id"], row["status_name"], row["status_category_key"]
            ),
            "summary": row["summary"],
            "assignee": self._user(
                row["assignee_account_id"], row["a_name"], row["a_email"], row["a_active"]
            ),
            "reporter": self._user(
                row["reporter_account_id"], row["r_name"], row["r_email"], row["r_active"]
            ),
            "created": jira_time(row["created"]),
            "updated": jira_time(row["updated"]),
            "resolutiondate": jira_time(row["resolutiondate"]),
        }
        if row["priority"] is None:
            all_fields["priority"] = None
        issue: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,transitions",
            "id": row["id"],
            "self": self._api(f"issue/{row['id']}"),
            "key": row["key"],
        }
        if wanted:
            issue["fields"] = {name: all_fields[name] for name in _FIELDS if name in wanted}
        return issue

    # --- routes ----------------------------------------------------------------------
    def server_info(self, request: Request) -> Response:
        now = datetime.now(UTC)
        return Response(
            200,
            {
                "baseUrl": self.base_url,
                "displayUrl": self.base_url,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100295,
                "buildDate": "2026-01-01T00:00:00.000+0000",
                "serverTime": jira_time(now.replace(tzinfo=None)),
                "scmInfo": "sandbox",
                "serverTitle": "Jira (psops sandbox)",
            },
        )

    def myself(self, request: Request) -> Response:
        user = self._user(BOT_ACCOUNT_ID, "psops bot", JIRA_USER, True) or {}
        user["locale"] = "en_US"
        return Response(200, user)

    def fields(self, request: Request) -> Response:
        return Response(
            200,
            [
                {
                    "id": field_id,
                    "key": field_id,
                    "name": name,
                    "custom": False,
                    "orderable": field_id not in ("created", "updated", "resolutiondate"),
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": clauses,
                    "schema": {"type": schema, "system": field_id},
                }
                for field_id, (name, clauses, schema) in _FIELDS.items()
            ],
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
            requested = _field_list(body.get("fields"))
            expand = _field_list(body.get("expand"))
        else:
            _reject_unimplemented(
                request,
                contract.SEARCH_JQL_GET.params,
                _SEARCH_IMPLEMENTED | _SEARCH_HARMLESS,
            )
            body = {}
            requested = _field_list(request.query_lists.get("fields"))
            expand = _field_list(request.query_lists.get("expand"))
        jql_text = str(body.get("jql", request.query.get("jql", "")))
        jql = Jql(jql_text)
        wanted = _wanted_fields(requested)
        with_changelog = "changelog" in expand
        cap = MAX_SEARCH_PAGE if (wanted or with_changelog) else MAX_ID_PAGE
        limit = min(_int_param(request, "maxResults", DEFAULT_SEARCH_PAGE, body), cap)
        token = body.get("nextPageToken", request.query.get("nextPageToken"))
        offset = _decode_token(str(token), jql_text) if token else 0
        where = " AND ".join(jql.where)
        rows = self.query(
            f"""
            SELECT i.*, p.id AS p_id, p.name AS p_name, p.project_type_key AS p_type,
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
            LIMIT ? OFFSET ?
            """,
            [*jql.params, limit + 1, offset],
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
            page["nextPageToken"] = _encode_token(offset + limit, jql_text)
        page["isLast"] = is_last
        return Response(200, page)

    def issue_changelog(self, request: Request) -> Response:
        _reject_unimplemented(request, contract.ISSUE_CHANGELOG.params, {"startAt", "maxResults"})
        ref = request.match.group("issue") if request.match else ""
        found = self.query("SELECT id, key FROM jira_issues WHERE id = ? OR key = ?", [ref, ref])
        if not found:
            raise jira_error(404, "Issue does not exist or you do not have permission to see it.")
        issue_id = found[0]["id"]
        start = _int_param(request, "startAt", 0, {})
        limit = min(_int_param(request, "maxResults", 100, {}), 100)
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

    def project_search(self, request: Request) -> Response:
        _reject_unimplemented(
            request, contract.PROJECT_SEARCH.params, {"startAt", "maxResults", "expand"}
        )
        start = _int_param(request, "startAt", 0, {})
        limit = min(_int_param(request, "maxResults", 50, {}), 100)
        total = self.query("SELECT count(*) AS n FROM jira_projects")[0]["n"]
        rows = self.query(
            "SELECT * FROM jira_projects ORDER BY key, id LIMIT ? OFFSET ?", [limit, start]
        )
        is_last = start + limit >= total
        page: dict[str, Any] = {
            "self": self._api(f"project/search?maxResults={limit}&startAt={start}"),
            "maxResults": limit,
            "startAt": start,
            "total": total,
            "isLast": is_last,
            "values": [
                {
                    "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                    "self": self._api(f"project/{row['id']}"),
                    "id": row["id"],
                    "key": row["key"],
                    "name": row["name"],
                    "projectTypeKey": row["project_type_key"],
                    "simplified": False,
                    "style": "classic",
                    "isPrivate": False,
                }
                for row in rows
            ],
        }
        if not is_last:
            page["nextPage"] = self._api(
                f"project/search?maxResults={limit}&startAt={start + limit}"
            )
        return Response(200, page)

    def statuses(self, request: Request) -> Response:
        rows = self.query("SELECT * FROM jira_statuses ORDER BY id")
        return Response(200, [self._status(r["id"], r["name"], r["category_key"]) for r in rows])

    def priority_search(self, request: Request) -> Response:
        """A page of the site's priorities, most urgent first (``projectId`` narrows
        nothing here: every priority is available in every sandbox project)."""
        _reject_unimplemented(
            request,
            contract.PRIORITY_SEARCH.params,
            {"startAt", "maxResults", "id", "projectId", "priorityName"},
        )
        start = _int_param(request, "startAt", 0, {})
        limit = min(_int_param(request, "maxResults", 50, {}), 50)
        where, params = ["true"], []
        ids = request.query_lists.get("id") or []
        if ids:
            where.append(f"id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        if request.query.get("priorityName"):
            where.append("lower(name) LIKE ?")
            params.append(f"%{request.query['priorityName'].lower()}%")
        rows = self.query(
            f"SELECT * FROM jira_priorities WHERE {' AND '.join(where)} "
            "ORDER BY TRY_CAST(id AS BIGINT), id",
            params,
        )
        page_rows = rows[start : start + limit]
        is_last = start + limit >= len(rows)
        page: dict[str, Any] = {
            "self": self._api(f"priority/search?maxResults={limit}&startAt={start}"),
            "maxResults": limit,
            "startAt": start,
            "total": len(rows),
            "isLast": is_last,
            "values": [
                {
                    "self": self._api(f"priority/{row['id']}"),
                    "statusColor": row["status_color"],
                    "description": row["description"],
                    "iconUrl": self._icon(row["name"]),
                    "name": row["name"],
                    "id": row["id"],
                }
                for row in page_rows
            ],
        }
        if not is_last:
            page["nextPage"] = self._api(
                f"priority/search?maxResults={limit}&startAt={start + limit}"
            )
        return Response(200, page)

    def users_search(self, request: Request) -> Response:
        # expand (groups, applicationRoles) only adds detail psops does not read
        _reject_unimplemented(
            request, contract.USERS_SEARCH.params, {"startAt", "maxResults", "expand"}
        )
        start = _int_param(request, "startAt", 0, {})
        limit = min(_int_param(request, "maxResults", 50, {}), 1000)
        rows = self.query(
            "SELECT * FROM jira_users ORDER BY account_id LIMIT ? OFFSET ?", [limit, start]
        )
        return Response(
            200,
            [
                self._user(r["account_id"], r["display_name"], r["email_address"], r["active"])
                for r in rows
            ],
        )


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
