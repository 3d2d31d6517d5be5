"""Move a sandbox dataset forward in time, so incremental loads can be tested for real.

``advance(sandbox_dir, days)`` adds what ``days`` more days of work would leave behind in
the three systems, every change stamped inside the new days (strictly after the old
``as_of`` 00:00 UTC, before the new one):

- Kantata: time entries for each new working day (each person repeats the entries of
  the same weekday a week earlier, unless on time off), a few past entries edited and a
  few deleted (removed from the table); a pending timesheet submission per person and
  workspace for each week whose Friday is a new day; time off booked, one changed, one
  cancelled (removed).
- Jira: new tickets (To Do, then taken In Progress the same day: a changelog each), open
  tickets moving one status on, one ticket deleted (with its changelog).
- Salesforce: new opportunities, open ones moving a stage on (amount revised), one
  deleted (``IsDeleted = true`` on it and its line items, as the recycle bin shows them
  to ``queryAll``).

Records listed in ``_bad_records`` are never edited or deleted.  The file is rewritten
atomically (a copy is advanced, then renamed over the original): running servers keep
serving the old dataset until they are restarted.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from sources.sandbox.bad_records import BAD_RECORDS_TABLE
from sources.sandbox.generate import day_number, salesforce_id
from sources.sandbox.schema import SYSTEMS, sandbox_table_name

log = logging.getLogger(__name__)

Counts = dict[str, dict[str, int]]

NEW_TICKETS_PER_DAY = 2
NEW_OPPORTUNITIES_PER_DAY = 1
EDITED_TIME_ENTRIES, DELETED_TIME_ENTRIES = 3, 2
BOOKED_TIME_OFF = 2
MOVED_TICKETS, MOVED_OPPORTUNITIES = 3, 3
NEW_OPPORTUNITY_ID0 = 5_000_000  # salesforce_id numbers of added opportunities start here

TODO, IN_PROGRESS, WAITING, DONE, REOPENED = "10000", "3", "10001", "10002", "4"
_STATUS = {  # id -> (name, category)
    TODO: ("To Do", "new"),
    IN_PROGRESS: ("In Progress", "indeterminate"),
    WAITING: ("Waiting for customer", "indeterminate"),
    DONE: ("Done", "done"),
    REOPENED: ("Reopened", "new"),
}
_NEXT_STATUS = {TODO: IN_PROGRESS, REOPENED: IN_PROGRESS, WAITING: IN_PROGRESS, IN_PROGRESS: DONE}
_NEXT_STAGE = {  # stage -> (next stage, probability, forecast category)
    "Qualification": ("Proposal", 50.0, "Best Case"),
    "Proposal": ("Negotiation", 80.0, "Commit"),
    "Negotiation": ("Negotiation", 80.0, "Commit"),  # revised amount, not closed here
}


class _Advance:
    def __init__(self, con: duckdb.DuckDBPyConnection, start: date, days: int, seed: int):
        self.con = con
        self.start = start
        self.days = [start + timedelta(days=i) for i in range(days)]
        self.rng = np.random.default_rng([seed, day_number(start), days])
        self.counts: Counts = {}
        self.protected = self._protected()

    # -- helpers -----------------------------------------------------------------------
    def _protected(self) -> set[str]:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [BAD_RECORDS_TABLE],
        ).fetchall()[0][0]
        if not found:
            return set()
        return {row[0] for row in self.sql(f"SELECT id FROM {BAD_RECORDS_TABLE}")}

    def sql(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        """Run a statement and read its whole result (DuckDB wants every result consumed)."""
        return self.con.execute(sql, params or []).fetchall()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        result = self.con.execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def pick(self, candidates: list[dict[str, Any]], n: int, key: str = "id") -> list[dict]:
        allowed = [row for row in candidates if str(row[key]) not in self.protected]
        if not allowed or n <= 0:
            return []
        chosen = self.rng.choice(len(allowed), size=min(n, len(allowed)), replace=False)
        return [allowed[int(i)] for i in sorted(chosen)]

    def moment(self, day: date, earliest: int = 6 * 3600, latest: int = 23 * 3600) -> datetime:
        """A random second of ``day`` between ``earliest`` and ``latest`` (UTC)."""
        second = int(self.rng.integers(earliest, latest))
        return datetime.combine(day, time()) + timedelta(seconds=second)

    def any_moment(self) -> datetime:
        return self.moment(self.days[int(self.rng.integers(len(self.days)))])

    def next_id(self, table: str, column: str = "id") -> Iterator[int]:
        top = self.con.execute(f'SELECT max(CAST("{column}" AS BIGINT)) FROM {table}').fetchall()[0]
        n = int(top[0] or 0)
        while True:
            n += 1
            yield n

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        frame = pd.DataFrame(rows)
        self.con.register("_advance_rows", frame)
        try:
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _advance_rows").fetchall()
        finally:
            self.con.unregister("_advance_rows")

    def count(self, table: str, new: int = 0, updated: int = 0, deleted: int = 0) -> None:
        entry = self.counts.setdefault(table, {"new": 0, "updated": 0, "deleted": 0})
        entry["new"] += new
        entry["updated"] += updated
        entry["deleted"] += deleted

    # -- Kantata -----------------------------------------------------------------------
    def time_entries(self) -> None:
        ids = self.next_id("kantata_time_entries")
        new: list[dict[str, Any]] = []
        for day in self.days:
            if day.weekday() >= 5:
                continue
            template = self.rows(
                """
                SELECT t.* FROM kantata_time_entries t
                JOIN kantata_account_memberships m ON m.user_id = t.user_id
                WHERE t.date_performed = ?
                  AND (m.disabled_at IS NULL OR m.disabled_at > ?)
                  AND t.user_id NOT IN (
                      SELECT user_id FROM kantata_time_off_entries WHERE requested_date = ?)
                ORDER BY CAST(t.id AS BIGINT)
                """,
                [day - timedelta(days=7), day, day],
            )
            for row in template:
                stamp = self.moment(day, 16 * 3600, 23 * 3600)
                row.update(id=str(next(ids)), date_performed=day, created_at=stamp)
                row["updated_at"] = stamp
                new.append(row)
        self.insert("kantata_time_entries", new)
        recent = self.rows(
            "SELECT id, time_in_minutes, notes FROM kantata_time_entries "
            "WHERE date_performed >= ? AND date_performed < ? ORDER BY CAST(id AS BIGINT)",
            [self.start - timedelta(days=14), self.start],
        )
        chosen = self.pick(recent, EDITED_TIME_ENTRIES + DELETED_TIME_ENTRIES)
        edited, deleted = chosen[:EDITED_TIME_ENTRIES], chosen[EDITED_TIME_ENTRIES:]
        for row in edited:
            minutes = row["time_in_minutes"] + (30 if row["time_in_minutes"] <= 60 else -30)
            self.sql(
                "UPDATE kantata_time_entries SET time_in_minutes = ?, "
                "notes = coalesce(notes, '') || ' (edited)', updated_at = ? WHERE id = ?",
                [minutes, self.any_moment(), row["id"]],
            )
        self._delete("kantata_time_entries", "id", [row["id"] for row in deleted])
        self.count("kantata_time_entries", len(new), len(edited), len(deleted))

    def timesheets(self) -> None:
        """On each new Friday, everyone submits the week: one pending submission per
        person and workspace they logged time on that week and have not submitted yet
        (Kantata submits per user x week x workspace)."""
        ids = self.next_id("kantata_timesheet_submissions")
        new: list[dict[str, Any]] = []
        for day in self.days:
            if day.weekday() != 4:
                continue
            monday = day - timedelta(days=4)
            worked = self.rows(
                """
                SELECT DISTINCT t.user_id, t.workspace_id FROM kantata_time_entries t
                WHERE t.date_performed BETWEEN ? AND ?
                  AND NOT EXISTS (
                      SELECT 1 FROM kantata_timesheet_submissions s
                      WHERE s.user_id = t.user_id AND s.workspace_id = t.workspace_id
                        AND s.start_date = ?)
                ORDER BY t.user_id, t.workspace_id
                """,
                [monday, monday + timedelta(days=6), monday],
            )
            for row in worked:
                stamp = self.moment(day, 15 * 3600, 23 * 3600)
                new.append(
                    {
                        "id": str(next(ids)),
                        **row,
                        "created_at": stamp,
                        "start_date": monday,
                        "end_date": monday + timedelta(days=6),
                        "status": "pending",
                        "updated_at": stamp,
                    }
                )
        self.insert("kantata_timesheet_submissions", new)
        self.count("kantata_timesheet_submissions", len(new))

    def time_off(self) -> None:
        people = self.rows(
            "SELECT user_id AS id FROM kantata_account_memberships "
            "WHERE disabled_at IS NULL ORDER BY user_id"
        )
        ids = self.next_id("kantata_time_off_entries")
        booked = []
        for person in self.pick(people, BOOKED_TIME_OFF):
            when = self.start + timedelta(days=int(self.rng.integers(14, 42)))
            when += timedelta(days=max(0, 7 - when.weekday()) if when.weekday() >= 5 else 0)
            booked.append(
                {
                    "id": str(next(ids)),
                    "user_id": person["id"],
                    "requested_date": when,
                    "hours": 8.0,
                    "updated_at": self.any_moment(),
                }
            )
        self.insert("kantata_time_off_entries", booked)
        future = self.rows(
            "SELECT id FROM kantata_time_off_entries WHERE requested_date > ? "
            "ORDER BY CAST(id AS BIGINT)",
            [self.days[-1] + timedelta(days=7)],
        )
        future = [row for row in future if row["id"] not in {b["id"] for b in booked}]
        changed, cancelled = (self.pick(future, 2) + [None, None])[:2]
        updated = 0
        if changed is not None:
            self.sql(
                "UPDATE kantata_time_off_entries SET hours = 4.0, updated_at = ? WHERE id = ?",
                [self.any_moment(), changed["id"]],
            )
            updated = 1
        gone = [] if cancelled is None else [cancelled["id"]]
        self._delete("kantata_time_off_entries", "id", gone)
        self.count("kantata_time_off_entries", len(booked), updated, len(gone))

    # -- Jira --------------------------------------------------------------------------
    def tickets(self) -> None:
        issue_ids = self.next_id("jira_issues")
        history_ids = self.next_id("jira_issue_changelog", "history_id")
        templates = self.rows(
            "SELECT * FROM jira_issues WHERE created >= ? ORDER BY CAST(id AS BIGINT)",
            [datetime.combine(self.start - timedelta(days=60), time())],
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
            "ORDER BY CAST(id AS BIGINT)",
            [*_NEXT_STATUS, datetime.combine(self.start, time())],
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

    # -- Salesforce --------------------------------------------------------------------
    def opportunities(self) -> None:
        open_deals = self.rows(
            "SELECT * FROM salesforce_opportunity WHERE NOT IsClosed AND NOT IsDeleted ORDER BY Id"
        )
        number = (
            NEW_OPPORTUNITY_ID0
            + self.con.execute("SELECT count(*) FROM salesforce_opportunity").fetchall()[0][0]
        )
        new = []
        for day in self.days:
            for template in self.pick(open_deals, NEW_OPPORTUNITIES_PER_DAY, "Id"):
                number += 1
                stamp = self.moment(day)
                deal = dict(template)
                deal.update(
                    Id=salesforce_id("006", number),
                    Name=f"{template['Name']} - expansion",
                    StageName="Qualification",
                    Probability=20.0,
                    ForecastCategoryName="Pipeline",
                    Amount=float(round(self.rng.uniform(40_000, 400_000), 2)),
                    CloseDate=day + timedelta(days=int(self.rng.integers(60, 150))),
                    Type="Existing Business",
                    CreatedDate=stamp,
                    SystemModstamp=stamp,
                )
                new.append(deal)
        self.insert("salesforce_opportunity", new)
        chosen = self.pick(open_deals, MOVED_OPPORTUNITIES + 1, "Id")
        moved, deleted = chosen[:MOVED_OPPORTUNITIES], chosen[MOVED_OPPORTUNITIES:]
        for deal in moved:
            stage, probability, category = _NEXT_STAGE[deal["StageName"]]
            amount = round((deal["Amount"] or 0.0) * 1.05, 2)
            self.sql(
                "UPDATE salesforce_opportunity SET StageName = ?, Probability = ?, "
                "ForecastCategoryName = ?, Amount = ?, SystemModstamp = ? WHERE Id = ?",
                [stage, probability, category, amount, self.any_moment(), deal["Id"]],
            )
        items = 0
        for deal in deleted:
            at = self.any_moment()
            self.sql(
                "UPDATE salesforce_opportunity SET IsDeleted = true, SystemModstamp = ? "
                "WHERE Id = ?",
                [at, deal["Id"]],
            )
            items += self.sql(
                "UPDATE salesforce_opportunitylineitem SET IsDeleted = true, SystemModstamp = ? "
                "WHERE OpportunityId = ? AND NOT IsDeleted",
                [at, deal["Id"]],
            )[0][0]
        self.count("salesforce_opportunity", len(new), len(moved), len(deleted))
        self.count("salesforce_opportunitylineitem", deleted=items)

    def _delete(self, table: str, column: str, ids: list[str]) -> int:
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        return self.sql(f'DELETE FROM {table} WHERE "{column}" IN ({marks})', ids)[0][0]

    def run(self) -> Counts:
        self.time_entries()
        self.timesheets()
        self.time_off()
        self.tickets()
        self.opportunities()
        return self.counts


def advance(sandbox_dir: Path, days: int = 1, seed: int | None = None) -> Counts:
    """Move the dataset in ``sandbox_dir`` forward by ``days`` (new, updated and deleted
    records in all three systems; ``manifest.json``'s ``as_of`` and counts follow).
    ``seed`` defaults to the dataset's own.  Returns ``{table: {"new", "updated",
    "deleted"}}`` per sandbox table changed."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    sandbox_dir = Path(sandbox_dir)
    target = sandbox_dir / "sandbox.duckdb"
    manifest_path = sandbox_dir / "manifest.json"
    if not target.exists() or not manifest_path.exists():
        raise FileNotFoundError(
            f"no sandbox dataset in {sandbox_dir}: run `psops sandbox generate` first"
        )
    manifest = json.loads(manifest_path.read_text())
    start = date.fromisoformat(manifest["as_of"])
    seed = manifest["seed"] if seed is None else seed
    working = sandbox_dir / ".sandbox.advancing.duckdb"
    for stale in (working, Path(f"{working}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(target, working)
    if Path(f"{target}.wal").exists():
        shutil.copyfile(f"{target}.wal", f"{working}.wal")
    con = duckdb.connect(str(working))
    try:
        con.execute("BEGIN")
        counts = _Advance(con, start, days, seed).run()
        con.execute("COMMIT")
        manifest["counts"] = {
            sandbox_table_name(system, table): con.execute(
                f"SELECT count(*) FROM {sandbox_table_name(system, table)}"
            ).fetchall()[0][0]
            for system, tables in SYSTEMS.items()
            for table in tables
        }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(working, target)
    Path(f"{target}.wal").unlink(missing_ok=True)
    new_as_of = start + timedelta(days=days)
    manifest["as_of"] = new_as_of.isoformat()
    manifest.setdefault("advances", []).append(
        {"from": start.isoformat(), "days": days, "seed": seed}
    )
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("sandbox in %s advanced %d day(s) to %s: %s", sandbox_dir, days, new_as_of, counts)
    return counts
