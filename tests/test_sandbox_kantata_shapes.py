"""The sandbox's Kantata data takes the vendor's shapes: multi-day holidays tied to calendars
by associations, workspace status objects, archived workspaces, timesheet submissions per
user x week x workspace, choice custom fields holding choice ids, and people on the account
who are not in delivery (the small sandbox, as of Thursday 2026-10-15)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sources.sandbox import org
from sources.sandbox.advance import advance


@pytest.fixture(scope="module")
def con(sandbox_db: Path):
    connection = duckdb.connect(str(sandbox_db), read_only=True)
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_a_holiday_spans_days_and_one_row_serves_every_calendar_holding_it(con) -> None:
    spans = rows(
        con,
        "SELECT c.name, h.name, h.start_date, h.end_date FROM kantata_holidays h "
        "JOIN kantata_holiday_calendar_associations a ON a.holiday_id = h.id "
        "JOIN kantata_holiday_calendars c ON c.id = a.holiday_calendar_id "
        "WHERE h.end_date > h.start_date AND year(h.start_date) = 2025 ORDER BY 1",
    )
    assert spans == [
        ("Ireland Holidays", "Christmas", date(2025, 12, 25), date(2025, 12, 26)),
        ("Singapore Holidays", "Chinese New Year", date(2025, 1, 29), date(2025, 1, 30)),
        ("US Holidays", "Thanksgiving", date(2025, 11, 27), date(2025, 11, 28)),
    ]
    new_year = rows(
        con,
        "SELECT count(DISTINCT h.id), count(*) FROM kantata_holidays h "
        "JOIN kantata_holiday_calendar_associations a ON a.holiday_id = h.id "
        "WHERE h.start_date = DATE '2026-01-01'",
    )
    assert new_year == [(1, 3)]  # one holiday, three calendars
    assert rows(con, "SELECT bool_and(paid) FROM kantata_holidays") == [(True,)]


def test_workspaces_carry_kantatas_status_object_and_some_are_archived(con) -> None:
    statuses = rows(
        con,
        "SELECT DISTINCT status_message, status_key, status_color FROM kantata_workspaces",
    )
    assert statuses and all(org.WORKSPACE_STATUSES[m] == (k, c) for m, k, c in statuses)
    assert {m for m, _, _ in statuses} >= {"Active", "Completed"}
    archived_with_time = rows(
        con,
        "SELECT count(DISTINCT w.id), max(t.date_performed) FROM kantata_workspaces w "
        "JOIN kantata_time_entries t ON t.workspace_id = w.id WHERE w.archived",
    )[0]
    assert archived_with_time[0] >= 3 and archived_with_time[1] < date(2026, 4, 18)


def test_a_submission_covers_one_person_week_and_workspace(con) -> None:
    duplicates = rows(
        con,
        "SELECT count(*) FROM (SELECT user_id, workspace_id, start_date "
        "FROM kantata_timesheet_submissions GROUP BY ALL HAVING count(*) > 1)",
    )
    assert duplicates == [(0,)]
    # every week before the last two with time on a workspace has that workspace's submission
    unsubmitted = rows(
        con,
        "SELECT count(*) FROM (SELECT DISTINCT user_id, workspace_id, "
        "date_trunc('week', date_performed) AS week FROM kantata_time_entries "
        "WHERE date_performed < DATE '2026-10-05') AS worked "
        "LEFT JOIN kantata_timesheet_submissions s ON s.user_id = worked.user_id "
        "AND s.workspace_id = worked.workspace_id AND s.start_date = worked.week "
        "WHERE s.id IS NULL",
    )
    # but the planted missing ones (DOMAIN.md §11): ~1.5% of the older person-weeks leave
    # one workspace unsubmitted
    assert unsubmitted == [(60,)]
    assert rows(
        con,
        "SELECT count(*) FROM kantata_timesheet_submissions WHERE created_at > "
        "updated_at OR dayofweek(start_date) <> 1 OR end_date <> start_date + 6",
    ) == [(0,)]


def test_some_weeks_one_workspace_is_approved_and_another_rejected(con) -> None:
    mixed = rows(
        con,
        "SELECT count(*) FROM (SELECT user_id, start_date FROM kantata_timesheet_submissions "
        "GROUP BY ALL HAVING bool_or(status = 'approved') AND bool_or(status = 'rejected'))",
    )[0][0]
    assert mixed >= 5


def test_choice_custom_fields_hold_the_ids_of_their_own_choices(con) -> None:
    fields = dict(rows(con, "SELECT name, value_type FROM kantata_custom_fields"))
    assert fields["Region"] == fields["Engagement Type"] == "single"
    assert fields["Hire Date"] == "date" and fields["Team"] == "string"
    stray = rows(
        con,
        "SELECT count(*) FROM kantata_custom_field_values v "
        "JOIN kantata_custom_fields f ON f.id = v.custom_field_id AND f.value_type = 'single' "
        "LEFT JOIN kantata_custom_field_choices c "
        "ON c.id = v.value AND c.custom_field_id = f.id WHERE c.id IS NULL",
    )
    assert stray == [(0,)]


def test_admins_and_sales_are_on_the_account_without_a_delivery_role_or_time(con) -> None:
    staff = rows(
        con,
        "SELECT coalesce(r.name, '(no role)'), count(*), count(t.id) "
        "FROM kantata_account_memberships m LEFT JOIN kantata_roles r "
        "ON r.id = m.default_role_id LEFT JOIN kantata_time_entries t ON t.user_id = m.user_id "
        "WHERE m.default_role_id IS NULL OR r.name IN ('Account Administrator', 'Sales') "
        "GROUP BY 1 ORDER BY 1",
    )
    # the planted hygiene case (DOMAIN.md §11): the Sales person logs three billable entries
    assert staff == [("(no role)", 1, 0), ("Account Administrator", 1, 0), ("Sales", 3, 3)]


def test_advancing_past_a_friday_submits_the_week_per_workspace(
    sandbox_db: Path, tmp_path: Path
) -> None:
    shutil.copyfile(sandbox_db, tmp_path / "sandbox.duckdb")
    shutil.copyfile(sandbox_db.parent / "manifest.json", tmp_path / "manifest.json")
    counts = advance(tmp_path, days=2)  # Thursday 10-15 and Friday 10-16
    con = duckdb.connect(str(tmp_path / "sandbox.duckdb"), read_only=True)
    try:
        week = rows(
            con,
            "SELECT count(*), count(*) FILTER (status = 'pending'), "
            "count(DISTINCT (user_id, workspace_id)) FROM kantata_timesheet_submissions "
            "WHERE start_date = DATE '2026-10-12'",
        )[0]
        worked = rows(
            con,
            "SELECT count(DISTINCT (user_id, workspace_id)) FROM kantata_time_entries "
            "WHERE date_performed BETWEEN DATE '2026-10-12' AND DATE '2026-10-18'",
        )[0][0]
    finally:
        con.close()
    assert week[0] == week[1] == week[2] == worked
    assert counts["kantata_timesheet_submissions"]["new"] > 0
