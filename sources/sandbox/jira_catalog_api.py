"""The sandbox Jira's site catalogue resources: ``serverInfo``, ``myself``, ``field``,
``project/search``, ``status``, ``priority/search`` and ``users/search``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sources.jira import contract
from sources.sandbox.credentials import JIRA_USER
from sources.sandbox.jira_payloads import CUSTOM_FIELDS, SYSTEM_FIELDS, JiraPayloads
from sources.sandbox.jira_request import int_param, reject_unimplemented
from sources.sandbox.jira_wire import jira_time
from sources.sandbox.server_base import Request, Response

BOT_ACCOUNT_ID = "712020:00000000-0000-4000-8000-00000000b0t5"


class JiraCatalogApi(JiraPayloads):
    """The catalogue routes of the sandbox Jira API (``jira_api.JiraApi`` registers them)."""

    custom_fields: frozenset[str] = frozenset(CUSTOM_FIELDS)  # the site's custom field ids

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
        """Every system field, then the site's custom fields (``custom_fields``: none on a
        site that never created them)."""
        custom = [
            {
                "id": field_id,
                "key": field_id,
                "name": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{field_id.rsplit('_', 1)[-1]}]", name],
                "schema": {
                    "type": schema,
                    "custom": custom_type,
                    "customId": int(field_id.rsplit("_", 1)[-1]),
                },
            }
            for field_id, (name, _, schema, custom_type) in CUSTOM_FIELDS.items()
            if field_id in self.custom_fields
        ]
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
                for field_id, (name, clauses, schema) in SYSTEM_FIELDS.items()
            ]
            + custom,
        )

    def project_search(self, request: Request) -> Response:
        reject_unimplemented(
            request, contract.PROJECT_SEARCH.params, {"startAt", "maxResults", "expand"}
        )
        start = int_param(request, "startAt", 0, {})
        limit = min(int_param(request, "maxResults", 50, {}), 100)
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
        reject_unimplemented(
            request,
            contract.PRIORITY_SEARCH.params,
            {"startAt", "maxResults", "id", "projectId", "priorityName"},
        )
        start = int_param(request, "startAt", 0, {})
        limit = min(int_param(request, "maxResults", 50, {}), 50)
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
        reject_unimplemented(
            request, contract.USERS_SEARCH.params, {"startAt", "maxResults", "expand"}
        )
        start = int_param(request, "startAt", 0, {})
        limit = min(int_param(request, "maxResults", 50, {}), 1000)
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
