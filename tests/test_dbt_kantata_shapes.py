"""Utilization on Kantata's own shapes (DOMAIN.md §2), by hand: per-workspace timesheet
submissions, a two-day holiday tied to one calendar, people outside delivery, an archived
workspace. One real ``dbt build`` on a tiny raw warehouse, then exact numbers.

As of Monday 2026-07-06; the window starts at the first time entry, Monday 06-29, so ISO
week 27 (06-29 .. 07-05) is complete. Everyone works the 40 h Mon-Fri workweek.

- Carol (AMER, Consultant, target 80 %, "US Holidays": no holiday that week) logs 8 h
  billable on Acme (W1) Monday and Tuesday, and 6 h + 4 h billable on Globex (W2)
  Wednesday and Thursday. Her W1 submission of the week is approved, her W2 submission
  rejected (and updated later): 16 h billable, not 26 and not 0.
- Dave (EMEA, Senior Consultant, the seed's 0.75, "Ireland Holidays", which holds a
  two-day "Summer Festival" Thu 07-02 .. Fri 07-03) logs 8 h billable Monday and Tuesday on
  Old Corp (W9: Completed and archived) and 8 h billable Wednesday on Acme, all approved:
  capacity 40 - 16 = 24 h, billable 24 h.
- Frank (no role: a Kantata administrator, AMER) logs nothing; Grace (role Sales, not in
  the seed, EMEA) logs 2 h billable on Acme and 3 h internal, approved. Neither is in the
  utilization population: they change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pytest

from tests.dbt_helpers import make_raw_warehouse, run_dbt

pytestmark = pytest.mark.slow

AS_OF = "2026-07-06"
WEEK_27 = date(2026, 6, 29)
CAROL, DAVE = "carol@example.com", "dave@example.com"
FRANK, GRACE = "frank@example.com", "grace@example.com"


def _people() -> dict[str, list[dict[str, Any]]]:
    names = {"u1": "Carol", "u2": "Dave", "u3": "Frank", "u4": "Grace"}
    region = {"u1": "c_amer", "u2": "c_emea", "u3": "c_amer", "u4": "c_emea"}
    calendar = {"u1": "hc1", "u2": "hc2", "u3": "hc1", "u4": "hc2"}
    values = []
    for user, choice in region.items():
        values.append(("User", user, "cf1", choice))  # Region: a choice id
        values.append(("User", user, "cf3", "2024-01-08"))  # Hire Date
    values += [
        ("Workspace", "w1", "cf4", "c_client"),
        ("Workspace", "w2", "cf4", "c_client"),
        ("Workspace", "w9", "cf4", "c_client"),
        ("Workspace", "w3", "cf4", "c_internal"),
    ]
    return {
        "kantata.users": [
            {"id": u, "full_name": n, "email_address": f"{n.lower()}@example.com"}
            for u, n in names.items()
        ],
        "kantata.roles": [
            {"id": "r1", "name": "Consultant"},
            {"id": "r2", "name": "Senior Consultant"},
            {"id": "r3", "name": "Sales"},
        ],
        "kantata.account_memberships": [
            {"id": "m1", "user_id": "u1", "default_role_id": "r1", "billability_target": 80.0},
            {"id": "m2", "user_id": "u2", "default_role_id": "r2"},
            {"id": "m3", "user_id": "u3", "default_role_id": None},
            {"id": "m4", "user_id": "u4", "default_role_id": "r3"},
        ],
        "kantata.custom_fields": [
            {"id": "cf1", "name": "Region", "subject_type": "User", "value_type": "single"},
            {"id": "cf3", "name": "Hire Date", "subject_type": "User", "value_type": "date"},
            {
                "id": "cf4",
                "name": "Engagement Type",
                "subject_type": "Workspace",
                "value_type": "single",
            },
        ],
        "kantata.custom_field_choices": [
            {"id": "c_amer", "custom_field_id": "cf1", "label": "AMER"},
            {"id": "c_emea", "custom_field_id": "cf1", "label": "EMEA"},
            {"id": "c_client", "custom_field_id": "cf4", "label": "Client"},
            {"id": "c_internal", "custom_field_id": "cf4", "label": "Internal"},
        ],
        "kantata.custom_field_values": [
            {
                "id": f"v{i}",
                "subject_type": subject,
                "subject_id": sid,
                "custom_field_id": field,
                "value": value,
            }
            for i, (subject, sid, field, value) in enumerate(values)
        ],
        "kantata.workweeks": [
            {
                "id": "ww40",
                "title": "Standard 40h",
                **{
                    f"{d}_minutes": 480
                    for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
                },
                "saturday_minutes": 0,
                "sunday_minutes": 0,
            }
        ],
        "kantata.workweek_memberships": [
            {"id": f"wm{u}", "workweek_id": "ww40", "user_id": u, "start_date": date(2024, 1, 8)}
            for u in names
        ],
        "kantata.holiday_calendars": [
            {"id": "hc1", "name": "US Holidays"},
            {"id": "hc2", "name": "Ireland Holidays"},
        ],
        "kantata.holiday_calendar_memberships": [
            {
                "id": f"hm{u}",
                "holiday_calendar_id": c,
                "user_id": u,
                "start_date": date(2024, 1, 8),
            }
            for u, c in calendar.items()
        ],
        "kantata.holidays": [
            {
                "id": "h1",
                "name": "Summer Festival",
                "start_date": date(2026, 7, 2),
                "end_date": date(2026, 7, 3),
                "paid": True,
            }
        ],
        "kantata.holiday_calendar_associations": [
            {"id": "a1", "holiday_id": "h1", "holiday_calendar_id": "hc2"}
        ],
    }


def _work() -> dict[str, list[dict[str, Any]]]:
    def workspace(wid: str, title: str, message: str, key: str, archived: bool) -> dict:
        color = {"Active": "green", "Completed": "blue"}[message]
        return {
            "id": wid,
            "title": title,
            "status_key": key,
            "status_message": message,
            "status_color": color,
            "archived": archived,
        }

    def entry(eid: str, user: str, ws: str, day: int, hours: int, billable: bool) -> dict:
        return {
            "id": eid,
            "user_id": user,
            "workspace_id": ws,
            "date_performed": WEEK_27 + timedelta(days=day),
            "time_in_minutes": hours * 60,
            "billable": billable,
        }

    def submission(sid: str, user: str, ws: str, status: str, updated_hour: int) -> dict:
        return {
            "id": sid,
            "user_id": user,
            "workspace_id": ws,
            "start_date": WEEK_27,
            "end_date": WEEK_27 + timedelta(days=6),
            "status": status,
            "created_at": datetime(2026, 7, 3, 16),
            "updated_at": datetime(2026, 7, 4, updated_hour),
        }

    return {
        "kantata.workspaces": [
            workspace("w1", "Acme Implementation", "Active", "310", False),
            workspace("w2", "Globex Migration", "Active", "310", False),
            workspace("w9", "Old Corp Rollout", "Completed", "600", True),
            workspace("w3", "Bench & Training", "Active", "310", False),
        ],
        "kantata.time_entries": [
            entry("t1", "u1", "w1", 0, 8, True),
            entry("t2", "u1", "w1", 1, 8, True),
            entry("t3", "u1", "w2", 2, 6, True),
            entry("t4", "u1", "w2", 3, 4, True),
            entry("t5", "u2", "w9", 0, 8, True),
            entry("t6", "u2", "w9", 1, 8, True),
            entry("t7", "u2", "w1", 2, 8, True),
            entry("t8", "u4", "w1", 0, 2, True),
            entry("t9", "u4", "w3", 0, 3, False),
        ],
        "kantata.timesheet_submissions": [
            submission("s1", "u1", "w1", "approved", 9),
            submission("s2", "u1", "w2", "rejected", 15),  # the week's latest: not W1's
            submission("s3", "u2", "w9", "approved", 9),
            submission("s4", "u2", "w1", "approved", 9),
            submission("s5", "u4", "w1", "approved", 9),
            submission("s6", "u4", "w3", "approved", 9),
        ],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("dbt_kantata_shapes")
    make_raw_warehouse(root / "warehouse" / "psops.duckdb", {**_people(), **_work()})
    result = run_dbt(["build"], root / "warehouse", AS_OF, root)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    con = duckdb.connect(str(root / "warehouse" / "psops.duckdb"), read_only=True)
    yield con
    con.close()


def _week(con: duckdb.DuckDBPyConnection, email: str) -> tuple:
    return con.execute(
        """select w.capacity_hours, w.available_hours, w.billable_hours, w.target_utilization
           from marts.mart_utilization_weekly w join marts.dim_consultant c using (consultant_key)
           where c.email = ? and w.week_start = ?""",
        [email, WEEK_27],
    ).fetchone()


def test_an_entry_takes_the_status_of_its_own_workspaces_submission(warehouse) -> None:
    statuses = warehouse.execute(
        "select time_entry_id, submission_status, counts_toward_utilization "
        "from marts.fct_time_entries where time_entry_id in ('t1', 't2', 't3', 't4') "
        "order by time_entry_id"
    ).fetchall()
    assert statuses == [
        ("t1", "approved", True),
        ("t2", "approved", True),
        ("t3", "rejected", False),
        ("t4", "rejected", False),
    ]
    # W1 approved 8 + 8 count; W2's rejected 6 + 4 count nowhere: 16 h, not 26, not 0
    assert _week(warehouse, CAROL) == (40.0, 40.0, 16.0, pytest.approx(0.8))


def test_a_two_day_holiday_removes_16_hours_only_on_its_calendar(warehouse) -> None:
    assert _week(warehouse, DAVE) == (24.0, 24.0, 24.0, pytest.approx(0.75))
    holiday_days = warehouse.execute(
        """select d.date_day, d.capacity_hours, d.is_holiday
           from marts.fct_utilization_daily d join marts.dim_consultant c using (consultant_key)
           where c.email = ? and d.date_day in ('2026-07-02', '2026-07-03') order by 1""",
        [DAVE],
    ).fetchall()
    assert holiday_days == [(date(2026, 7, 2), 0.0, True), (date(2026, 7, 3), 0.0, True)]
    assert _week(warehouse, CAROL)[0] == 40.0  # US Holidays does not hold it
    working = warehouse.execute(
        "select date_day, is_working_day_emea, is_working_day_amer from marts.dim_date "
        "where date_day between '2026-07-01' and '2026-07-03' order by 1"
    ).fetchall()
    assert working == [
        (date(2026, 7, 1), True, True),
        (date(2026, 7, 2), False, True),
        (date(2026, 7, 3), False, True),
    ]


def test_people_outside_delivery_change_nothing_in_org_utilization(warehouse) -> None:
    people = warehouse.execute(
        "select email, role, is_delivery_role from marts.dim_consultant order by email"
    ).fetchall()
    assert people == [
        (CAROL, "Consultant", True),
        (DAVE, "Senior Consultant", True),
        (FRANK, None, False),
        (GRACE, "Sales", False),
    ]
    org = warehouse.execute(
        """select month_start, headcount, available_hours, billable_hours,
                  billable_utilization, target_utilization
           from marts.mart_utilization_monthly where grain = 'org' order by month_start"""
    ).fetchall()
    # June (Mon 29, Tue 30): Carol 16 / 16, Dave 16 / 16; target (0.8 x 16 + 0.75 x 16) / 32
    # July (Wed 1 .. Sun 5): Carol 24 h available, her W2 hours rejected; Dave 8 h available
    # (Thu, Fri a holiday), 8 h billable; target (0.8 x 24 + 0.75 x 8) / 32 = 0.7875
    assert org == [
        (date(2026, 6, 1), 2, 32.0, 32.0, pytest.approx(1.0), pytest.approx(0.775)),
        (date(2026, 7, 1), 2, 32.0, 8.0, pytest.approx(0.25), pytest.approx(0.7875)),
    ]
    outsiders = warehouse.execute(
        """select c.email, count(*), sum(d.capacity_hours + d.available_hours + d.billable_hours
                  + d.non_billable_hours), count(d.target_utilization),
                  bool_or(d.is_delivery_role)
           from marts.fct_utilization_daily d join marts.dim_consultant c using (consultant_key)
           where not c.is_delivery_role group by 1 order by 1"""
    ).fetchall()
    assert outsiders == [(FRANK, 7, 0.0, 0, False), (GRACE, 7, 0.0, 0, False)]
    weekly_rows = warehouse.execute(
        "select count(distinct consultant_key) from marts.mart_utilization_weekly"
    ).fetchone()
    assert weekly_rows == (2,)
    # Grace's billable hour stays on record (a data-quality finding, not utilization)
    assert warehouse.execute(
        "select hours, hour_category from marts.fct_time_entries where time_entry_id = 't8'"
    ).fetchone() == (2.0, "billable")


def test_the_capacity_forecast_counts_only_delivery_people(warehouse) -> None:
    supply = warehouse.execute(
        """select region, role, headcount, supply_hours from marts.mart_capacity_forecast
           where week_start = '2026-07-06' order by region, role"""
    ).fetchall()
    assert supply == [("AMER", "Consultant", 1, 40.0), ("EMEA", "Senior Consultant", 1, 40.0)]


def test_time_on_an_archived_workspace_still_counts(warehouse) -> None:
    engagement = warehouse.execute(
        "select status, status_key, is_archived from marts.dim_engagement "
        "where engagement_id = 'w9'"
    ).fetchone()
    assert engagement == ("Completed", "600", True)
    counted = warehouse.execute(
        "select sum(hours) from marts.fct_time_entries "
        "where engagement_id = 'w9' and counts_toward_utilization and hour_category = 'billable'"
    ).fetchone()
    assert counted == (16.0,)
