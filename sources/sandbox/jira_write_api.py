"""Write routes of the sandbox Jira (what the data-quality Jira loop needs): create an
issue, comment on it, read it, and find it by label through the enhanced JQL search.

The sandbox database is read-only, so created issues live in memory for the server's
lifetime (``JiraWriteStore``).  A search whose JQL has a ``labels`` clause is answered from
them; any other search goes to the read API unchanged.  Understood JQL::

    project = KEY AND labels = "x" [AND statusCategory != Done] [ORDER BY created ASC]
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sources.sandbox.jira_wire import jira_error, jira_time
from sources.sandbox.server_base import Handler, Request, Response

_V = r"/rest/api/(?P<version>2|3|latest)"
_LABELS = re.compile(r"""labels\s*(?:=|in)\s*\(?\s*["']?(?P<label>[^"')\s]+)["']?\s*\)?""", re.I)
_PROJECT = re.compile(r"""project\s*=\s*["']?(?P<key>[A-Z][A-Z0-9_]*)["']?""", re.I)
_NOT_DONE = re.compile(r"statusCategory\s*!=\s*[\"']?Done[\"']?", re.I)


@dataclass
class CreatedIssue:
    id: str
    key: str
    project_key: str
    fields: dict[str, Any]
    created: datetime
    comments: list[Any] = field(default_factory=list)
    status_category_key: str = "new"


class JiraWriteStore:
    """Issues created through the API, in memory, thread-safe."""

    def __init__(self) -> None:
        self.issues: dict[str, CreatedIssue] = {}
        self._lock = threading.Lock()

    def create(self, project_key: str, fields: dict[str, Any]) -> CreatedIssue:
        with self._lock:
            number = 1 + sum(1 for i in self.issues.values() if i.project_key == project_key)
            issue = CreatedIssue(
                id=str(900000 + len(self.issues) + 1),
                key=f"{project_key}-{100000 + number}",
                project_key=project_key,
                fields=fields,
                created=datetime.now(UTC).replace(tzinfo=None),
            )
            self.issues[issue.key] = issue
            return issue

    def find(self, ref: str) -> CreatedIssue | None:
        return self.issues.get(ref) or next((i for i in self.issues.values() if i.id == ref), None)


class JiraReadApi(Protocol):
    """What the write routes use of the read API (``jira_api.JiraApi``, which registers
    them: this module never imports it)."""

    routes: list[tuple[str, re.Pattern[str], Handler]]
    base_url: str

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]: ...


def register(api: JiraReadApi) -> None:
    """Add the write routes to ``api`` (ahead of the read routes, so labelled searches
    reach the store first)."""
    store = JiraWriteStore()
    api.write_store = store  # type: ignore[attr-defined]
    read_search = next(h for m, p, h in api.routes if p.pattern.endswith("/search/jql$"))

    def render(issue: CreatedIssue, wanted: set[str] | None = None) -> dict[str, Any]:
        """The issue in Jira's shape: every field (GET issue), or only ``wanted`` (a
        search returns the fields asked for)."""
        fields = dict(issue.fields)
        project = api.query("SELECT id FROM jira_projects WHERE key = ?", [issue.project_key])
        status_name = "To Do" if issue.status_category_key == "new" else "Done"
        status = api.query("SELECT id FROM jira_statuses WHERE name = ?", [status_name])
        fields.update(
            {
                "project": {
                    "id": project[0]["id"] if project else None,
                    "key": issue.project_key,
                },
                "created": jira_time(issue.created),
                "status": {
                    "id": status[0]["id"] if status else None,
                    "name": status_name,
                    "statusCategory": {"key": issue.status_category_key},
                },
                "comment": {"comments": issue.comments, "total": len(issue.comments)},
            }
        )
        if wanted is not None:
            fields = {k: v for k, v in fields.items() if k in wanted}
        return {
            "id": issue.id,
            "key": issue.key,
            "self": f"{api.base_url}/rest/api/3/issue/{issue.id}",
            "fields": fields,
        }

    def create_issue(request: Request) -> Response:
        body = request.json()
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise jira_error(400, "The request body must hold 'fields'.")
        project = (fields.get("project") or {}).get("key")
        known = api.query("SELECT key FROM jira_projects WHERE key = ?", [project])
        if not project or not known:
            return Response(
                400, {"errorMessages": [], "errors": {"project": "valid project is required"}}
            )
        if not fields.get("summary"):
            return Response(
                400,
                {
                    "errorMessages": [],
                    "errors": {"summary": "You must specify a summary of the issue."},
                },
            )
        labels = fields.get("labels") or []
        if any(not isinstance(x, str) or " " in x for x in labels):
            return Response(
                400, {"errorMessages": [], "errors": {"labels": "Labels cannot contain spaces."}}
            )
        issue = store.create(project, {k: v for k, v in fields.items() if k != "project"})
        return Response(201, {"id": issue.id, "key": issue.key, "self": render(issue)["self"]})

    def get_issue(request: Request) -> Response:
        issue = store.find(request.match.group("issue") if request.match else "")
        if issue is None:
            raise jira_error(404, "Issue does not exist or you do not have permission to see it.")
        return Response(200, render(issue))

    def add_comment(request: Request) -> Response:
        issue = store.find(request.match.group("issue") if request.match else "")
        if issue is None:
            raise jira_error(404, "Issue does not exist or you do not have permission to see it.")
        body = request.json()
        comment = {
            "id": str(len(issue.comments) + 1),
            "body": body.get("body") if isinstance(body, dict) else None,
            "created": jira_time(datetime.now(UTC).replace(tzinfo=None)),
        }
        issue.comments.append(comment)
        return Response(201, comment)

    def search(request: Request) -> Response:
        if request.method == "POST":
            body = request.json()
            jql = str(body.get("jql", "")) if isinstance(body, dict) else ""
            asked = (body.get("fields") if isinstance(body, dict) else None) or []
        else:
            jql = request.query.get("jql", "")
            asked = request.query_lists.get("fields") or []
        wanted = {f.strip() for value in asked for f in str(value).split(",") if f.strip()}
        all_fields = wanted & {"*all", "*navigable"}
        label = _LABELS.search(jql)
        if label is None:
            return read_search(request)
        project = _PROJECT.search(jql)
        found = [
            i
            for i in sorted(store.issues.values(), key=lambda i: i.created)
            if label.group("label") in (i.fields.get("labels") or [])
            and (project is None or i.project_key == project.group("key").upper())
            and (not _NOT_DONE.search(jql) or i.status_category_key != "done")
        ]
        return Response(
            200,
            {"issues": [render(i, None if all_fields else wanted) for i in found], "isLast": True},
        )

    for method, pattern, handler in [
        ("POST", rf"{_V}/issue", create_issue),
        ("GET", rf"{_V}/issue/(?P<issue>[^/]+)", get_issue),
        ("POST", rf"{_V}/issue/(?P<issue>[^/]+)/comment", add_comment),
        ("GET", rf"{_V}/search/jql", search),
        ("POST", rf"{_V}/search/jql", search),
    ]:
        api.routes.insert(0, (method, re.compile(f"^{pattern}$"), handler))
