"""How the sandbox Jira renders its resources in Jira Cloud's v3 wire format (users,
statuses, issues, changelog histories) and reads the changelog histories it renders."""

from __future__ import annotations

from typing import Any

from sources.sandbox.jira_wire import jira_time
from sources.sandbox.server_base import SandboxApi

STATUS_CATEGORIES: dict[str, tuple[int, str, str]] = {  # key -> (id, name, colorName)
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}

# system fields: id -> (name, clause names, schema type)
SYSTEM_FIELDS: dict[str, tuple[str, list[str], str]] = {
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

# custom fields: id -> (name, jira_issues column, schema type, schema custom type).  Jira
# sends a custom field by id only; /field names it (ids differ from site to site).
OPPORTUNITY_FIELD_ID = "customfield_10050"
CUSTOM_FIELDS: dict[str, tuple[str, str, str, str]] = {
    OPPORTUNITY_FIELD_ID: (
        "Salesforce Opportunity ID",
        "salesforce_opportunity_id",
        "string",
        "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
    ),
}
ISSUE_FIELD_IDS = (*SYSTEM_FIELDS, *CUSTOM_FIELDS)


def wanted_fields(requested: list[str], custom: Any = CUSTOM_FIELDS) -> set[str]:
    """The issue fields to render: Jira Cloud's search/jql returns only ids by default;
    a field the site does not have (e.g. a custom field of another site) is ignored."""
    known = {*SYSTEM_FIELDS, *custom}
    wanted: set[str] = set()
    for name in requested:
        if name in ("*all", "*navigable"):
            wanted |= known
    for name in requested:
        if name.startswith("-"):
            wanted.discard(name[1:])
        elif name in known:
            wanted.add(name)
    return wanted


class JiraPayloads(SandboxApi):
    """The rendering half of the sandbox Jira API (``jira_api.JiraApi``); links are
    absolute under ``base_url``."""

    base_url: str

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
        cat_id, cat_name, color = STATUS_CATEGORIES.get(category_key or "", (1, "No Category", ""))
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
        """Items of histories offset+1 .. offset+limit (per issue, oldest first).  The page's
        items are read once (``items``): joined back to the whole changelog instead, each
        page scanned it twice (~25 vs ~18 ms a page on the large sandbox)."""
        marks = ", ".join("?" for _ in issue_ids)
        return self.query(
            f"""
            WITH items AS MATERIALIZED (
                SELECT * FROM jira_issue_changelog WHERE issue_id IN ({marks})
            ),
            h AS (
                SELECT issue_id, history_id, min(created) AS h_created,
                       any_value(author_account_id) AS author_account_id,
                       row_number() OVER (
                           PARTITION BY issue_id ORDER BY min(created), history_id) AS rn,
                       count(*) OVER (PARTITION BY issue_id) AS total
                FROM items
                GROUP BY issue_id, history_id
            )
            SELECT h.issue_id, h.history_id, h.h_created, h.author_account_id, h.rn, h.total,
                   c.field, c.from_id, c.from_string, c.to_id, c.to_string,
                   u.display_name AS u_name, u.email_address AS u_email, u.active AS u_active
            FROM h
            JOIN items c
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
        for field_id, (_, column, _, _) in CUSTOM_FIELDS.items():
            all_fields[field_id] = row.get(column)  # null where the issue leaves it empty
        if wanted:
            issue["fields"] = {name: all_fields[name] for name in ISSUE_FIELD_IDS if name in wanted}
        return issue
