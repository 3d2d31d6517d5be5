"""``sandbox advance`` in Kantata: time entries for the new working days (some past ones
edited or deleted), Friday timesheet submissions, time off booked, changed, cancelled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sources.sandbox.advance_base import AdvanceBase

EDITED_TIME_ENTRIES, DELETED_TIME_ENTRIES = 3, 2
BOOKED_TIME_OFF = 2


class KantataAdvance(AdvanceBase):
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
