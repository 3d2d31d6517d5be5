"""``sandbox advance`` in Jira: new tickets, open tickets moving one status on (a
changelog history each), one ticket deleted with its changelog."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sources.sandbox.advance_base import AdvanceBase
from sources.sandbox.gen.presales import PRESALES_KEY

NEW_TICKETS_PER_DAY = 2
MOVED_TICKETS = 3

TODO, IN_PROGRESS, WAITING, DONE, REOPENED = "10000", "3", "10001", "10002", "4"
_STATUS = {  # id -> (name, category)
    TODO: ("To Do", "new"),
    IN_PROGRESS: ("In Progress", "indeterminate"),
    WAITING: ("Waiting for customer", "indeterminate"),
    DONE: ("Done", "done"),
    REOPENED: ("Reopened", "new"),
}
_NEXT_STATUS = {TODO: IN_PROGRESS, REOPENED: IN_PROGRESS, WAITING: IN_PROGRESS, IN_PROGRESS: DONE}


class JiraAdvance(AdvanceBase):
    def tickets(self) -> None:
        issue_ids = self.next_id("jira_issues")
        history_ids = self.next_id("jira_issue_changelog", "history_id")
        templates = self.rows(
            "SELECT * FROM jira_issues WHERE created >= ? AND project_key <> ? "
            "ORDER BY CAST(id AS BIGINT)",
            [datetime.combine(self.start - timedelta(days=60), time()), PRESALES_KEY],
        )
        numbers = {
            row["project_key"]: row["n"]
            for row in self.rows(
                "SELECT project_key, max(CAST(split_part(key, '-', 2) AS INTEGER)) AS n "
                "FROM jira_issues GROUP BY project_key"
            )
        }
        issues, changes = [], []
        for day in self.days:
            for template in self.pick(templates, NEW_TICKETS_PER_DAY):
                project = template["project_key"]
                numbers[project] = numbers.get(project, 0) + 1
                created = self.moment(day, 6 * 3600, 20 * 3600)
                taken = created + timedelta(minutes=int(self.rng.integers(30, 180)))
                issue = dict(template)
                issue.update(
                    id=str(next(issue_ids)),
                    key=f"{project}-{numbers[project]}",
                    created=created,
                    updated=taken,
                    resolutiondate=None,
                )
                self._set_status(issue, IN_PROGRESS)
                issues.append(issue)
                changes.append(self._change(next(history_ids), issue, TODO, IN_PROGRESS, taken))
        self.insert("jira_issues", issues)
        open_issues = self.rows(
            "SELECT * FROM jira_issues WHERE status_id IN (?, ?, ?, ?) AND created < ? "
            "AND project_key <> ? ORDER BY CAST(id AS BIGINT)",  # pre-sales: its own workflow
            [*_NEXT_STATUS, datetime.combine(self.start, time()), PRESALES_KEY],
        )
        chosen = self.pick(open_issues, MOVED_TICKETS + 1)
        moved, deleted = chosen[:MOVED_TICKETS], chosen[MOVED_TICKETS:]
        for issue in moved:
            before, at = issue["status_id"], self.any_moment()
            self._set_status(issue, _NEXT_STATUS[before])
            self.sql(
                "UPDATE jira_issues SET status_id = ?, status_name = ?, status_category_key = ?, "
                "updated = ?, resolutiondate = ? WHERE id = ?",
                [
                    issue["status_id"],
                    issue["status_name"],
                    issue["status_category_key"],
                    at,
                    at if issue["status_id"] == DONE else None,
                    issue["id"],
                ],
            )
            changes.append(self._change(next(history_ids), issue, before, issue["status_id"], at))
        self.insert("jira_issue_changelog", changes)
        gone = [issue["id"] for issue in deleted]
        history = self._delete("jira_issue_changelog", "issue_id", gone)
        self._delete("jira_issues", "id", gone)
        self.count("jira_issues", len(issues), len(moved), len(gone))
        self.count("jira_issue_changelog", new=len(changes), deleted=history)

    @staticmethod
    def _set_status(issue: dict[str, Any], status_id: str) -> None:
        name, category = _STATUS[status_id]
        issue.update(status_id=status_id, status_name=name, status_category_key=category)

    @staticmethod
    def _change(
        history: int, issue: dict[str, Any], before: str, after: str, at: datetime
    ) -> dict[str, Any]:
        return {
            "id": f"{history}-0",
            "history_id": str(history),
            "issue_id": issue["id"],
            "author_account_id": issue["assignee_account_id"] or issue["reporter_account_id"],
            "created": at,
            "field": "status",
            "from_id": before,
            "from_string": _STATUS[before][0],
            "to_id": after,
            "to_string": _STATUS[after][0],
        }
