"""The dbt project on a tiny hand-built Kantata dataset: one real ``dbt build`` (seeds,
models, data tests and unit tests) in a temp warehouse, then exact numbers from the marts.

The dataset (as of Monday 2026-07-06, so the last full day is Sunday 2026-07-05; the window
starts at the first time entry, Sunday 2026-06-28, so ISO week 26 has one day and ISO week
27 = Mon 2026-06-29 .. Sun 2026-07-05 is complete):

- Alice (AMER, Consultant, billability_target 80 %) works the 40 h Mon-Fri workweek and
  follows the "US Holidays" calendar, where Fri 2026-07-03 is Independence Day (observed).
  She takes a half day off (4 h) on Tue 06-30. Her week-27 timesheets (one per workspace)
  are pending (submitted).
- Bob (EMEA, Senior Consultant, no target of his own -> the seed's 0.75) is part-time on a
  32 h Mon-Thu workweek (0.8 FTE) and follows the "Ireland Holidays" calendar (no holiday
  that week). He takes a full day off (8 h) on Wed 07-01. His week-26 timesheet (one 8 h
  billable Sunday entry) was rejected; his week-27 timesheets are approved.
- Workspaces: W1 Acme (client, T&M), W2 Globex (client, fixed fee), W3 Bench (internal).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from tests.dbt_helpers import make_raw_warehouse, run_dbt

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

AS_OF = "2026-07-06"
WEEK_26 = date(2026, 6, 22)
WEEK_27 = date(2026, 6, 29)


def _kantata_rows() -> dict[str, list[dict[str, Any]]]:
    users = [
        {"id": "u1", "full_name": "Alice Archer", "email_address": " Alice.Archer@Example.com "},
        {"id": "u2", "full_name": "Bob Byrne", "email_address": "bob.byrne@example.com"},
    ]
    roles = [{"id": "r1", "name": "Consultant"}, {"id": "r2", "name": "Senior Consultant"}]
    memberships = [
        {"id": "m1", "user_id": "u1", "default_role_id": "r1", "billability_target": 80.0},
        {"id": "m2", "user_id": "u2", "default_role_id": "r2", "manager_id": "u1"},
    ]
    custom_fields = [
        {"id": "cf1", "name": "Region", "subject_type": "User", "value_type": "single"},
        {"id": "cf2", "name": "Team", "subject_type": "User", "value_type": "string"},
        {"id": "cf3", "name": "Hire Date", "subject_type": "User", "value_type": "date"},
        {
            "id": "cf4",
            "name": "Engagement Type",
            "subject_type": "Workspace",
            "value_type": "single",
        },
        {"id": "cf5", "name": "Salesforce Opportunity ID", "subject_type": "Workspace"},
        {"id": "cf6", "name": "Jira Project Key", "subject_type": "Workspace"},
    ]
    # choice fields hold choice ids: Region (AMER, EMEA), Engagement Type (Client, Internal)
    choices = [
        {"id": "c1", "custom_field_id": "cf1", "label": "AMER"},
        {"id": "c2", "custom_field_id": "cf1", "label": "EMEA"},
        {"id": "c3", "custom_field_id": "cf4", "label": "Client"},
        {"id": "c4", "custom_field_id": "cf4", "label": "Internal"},
    ]

    def value(vid: str, subject: str, sid: str, fid: str, val: str) -> dict[str, Any]:
        return {
            "id": vid,
            "subject_type": subject,
            "subject_id": sid,
            "custom_field_id": fid,
            "value": val,
        }

    values = [
        value("v1", "User", "u1", "cf1", "c1"),
        value("v2", "User", "u1", "cf2", "Delivery East"),
        value("v3", "User", "u1", "cf3", "2025-01-06"),
        value("v4", "User", "u2", "cf1", "c2"),
        value("v5", "User", "u2", "cf2", "Delivery Europe"),
        value("v6", "User", "u2", "cf3", "2024-03-01"),
        value("v7", "Workspace", "w1", "cf4", "c3"),
        value("v8", "Workspace", "w1", "cf5", "006A"),
        value("v9", "Workspace", "w1", "cf6", "ACME"),
        value("v10", "Workspace", "w2", "cf4", "c3"),
        value("v11", "Workspace", "w3", "cf4", "c4"),
    ]
    workweeks = [
        {
            "id": "ww40",
            "title": "Standard 40h",
            **{f"{d}_minutes": 480 for d in ("monday", "tuesday", "wednesday", "thursday")},
            "friday_minutes": 480,
            "saturday_minutes": 0,
            "sunday_minutes": 0,
        },
        {
            "id": "ww32",
            "title": "Part-time 32h Mon-Thu",
            **{f"{d}_minutes": 480 for d in ("monday", "tuesday", "wednesday", "thursday")},
            "friday_minutes": 0,
            "saturday_minutes": 0,
            "sunday_minutes": 0,
        },
    ]
    workweek_memberships = [
        {"id": "wm1", "workweek_id": "ww40", "user_id": "u1", "start_date": date(2025, 1, 6)},
        {"id": "wm2", "workweek_id": "ww32", "user_id": "u2", "start_date": date(2024, 3, 1)},
    ]
    calendars = [{"id": "hc1", "name": "US Holidays"}, {"id": "hc2", "name": "Ireland Holidays"}]
    calendar_memberships = [
        {
            "id": "hm1",
            "holiday_calendar_id": "hc1",
            "user_id": "u1",
            "start_date": date(2025, 1, 6),
        },
        {
            "id": "hm2",
            "holiday_calendar_id": "hc2",
            "user_id": "u2",
            "start_date": date(2024, 3, 1),
        },
    ]
    holidays = [
        {
            "id": "h1",
            "name": "Independence Day (observed)",
            "start_date": date(2026, 7, 3),
            "end_date": date(2026, 7, 3),
            "paid": True,
        },
        {
            "id": "h2",
            "name": "August Bank Holiday",
            "start_date": date(2026, 8, 3),
            "end_date": date(2026, 8, 3),
            "paid": True,
        },
    ]
    associations = [
        {"id": "a1", "holiday_id": "h1", "holiday_calendar_id": "hc1"},
        {"id": "a2", "holiday_id": "h2", "holiday_calendar_id": "hc2"},
    ]
    active = {"status_key": "310", "status_message": "Active", "status_color": "green"}
    workspaces = [
        {
            "id": "w1",
            "title": "Acme Implementation",
            **active,
            "price_in_cents": 12000000,
            "currency": "USD",
            "budgeted_hours": 600.0,
            "stories_are_fixed_fee_by_default": False,
        },
        {
            "id": "w2",
            "title": "Globex Migration",
            **active,
            "price_in_cents": 5000000,
            "currency": "EUR",
            "budgeted_hours": 250.0,
            "stories_are_fixed_fee_by_default": True,
        },
        {
            "id": "w3",
            "title": "Bench & Training",
            **active,
            "stories_are_fixed_fee_by_default": False,
        },
    ]

    def entry(eid: str, user: str, ws: str, day: date, minutes: int, billable: bool) -> dict:
        return {
            "id": eid,
            "user_id": user,
            "workspace_id": ws,
            "date_performed": day,
            "time_in_minutes": minutes,
            "billable": billable,
        }

    d = date
    entries = [
        # Alice, week 27 (pending): billable 8+4+6+5 = 23 h, client non-billable 3 h, internal 2 h
        entry("t1", "u1", "w1", d(2026, 6, 29), 480, True),
        entry("t2", "u1", "w1", d(2026, 6, 30), 240, True),
        entry("t3", "u1", "w1", d(2026, 7, 1), 360, True),
        entry("t4", "u1", "w3", d(2026, 7, 1), 120, False),
        entry("t5", "u1", "w2", d(2026, 7, 2), 180, False),
        entry("t6", "u1", "w1", d(2026, 7, 2), 300, True),
        # Bob, week 26 (rejected): 8 h billable on Sunday -> counts nowhere
        entry("t7", "u2", "w1", d(2026, 6, 28), 480, True),
        # Bob, week 27 (approved): billable 8+6+4 = 18 h, client non-billable 4 h, internal 2 h
        entry("t8", "u2", "w1", d(2026, 6, 29), 480, True),
        entry("t9", "u2", "w1", d(2026, 6, 30), 360, True),
        entry("t10", "u2", "w3", d(2026, 6, 30), 120, True),  # billable flag on internal: internal
        entry("t11", "u2", "w2", d(2026, 7, 2), 240, False),
        entry("t12", "u2", "w2", d(2026, 7, 2), 240, True),
    ]

    def submission(sid: str, user: str, ws: str, monday: date, status: str) -> dict:
        return {
            "id": sid,
            "user_id": user,
            "workspace_id": ws,
            "start_date": monday,
            "end_date": monday + timedelta(days=6),
            "status": status,
        }

    # one submission per user x week x workspace
    submissions = [
        submission("s1", "u1", "w1", WEEK_27, "pending"),
        submission("s1b", "u1", "w2", WEEK_27, "pending"),
        submission("s1c", "u1", "w3", WEEK_27, "pending"),
        submission("s2", "u2", "w1", WEEK_26, "rejected"),
        submission("s3", "u2", "w1", WEEK_27, "approved"),
        submission("s3b", "u2", "w2", WEEK_27, "approved"),
        submission("s3c", "u2", "w3", WEEK_27, "approved"),
    ]
    time_off = [
        {"id": "to1", "user_id": "u1", "requested_date": d(2026, 6, 30), "hours": 4.0},
        {"id": "to2", "user_id": "u2", "requested_date": d(2026, 7, 1), "hours": 8.0},
    ]
    return {
        "kantata.users": users,
        "kantata.roles": roles,
        "kantata.account_memberships": memberships,
        "kantata.custom_fields": custom_fields,
        "kantata.custom_field_values": values,
        "kantata.custom_field_choices": choices,
        "kantata.workweeks": workweeks,
        "kantata.workweek_memberships": workweek_memberships,
        "kantata.holiday_calendars": calendars,
        "kantata.holiday_calendar_memberships": calendar_memberships,
        "kantata.holidays": holidays,
        "kantata.holiday_calendar_associations": associations,
        "kantata.workspaces": workspaces,
        "kantata.time_entries": entries,
        "kantata.timesheet_submissions": submissions,
        "kantata.time_off_entries": time_off,
    }


def _identity_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        # Jira hides Alice's e-mail and there is no override: unmatched, kept on its own key
        "jira.users": [
            {
                "account_id": "5b10ac8d82e05b22cc7d4ef5",
                "display_name": "Alice Archer",
                "email_address": None,
                "active": True,
            },
        ],
        # Salesforce's e-mail for Bob differs only in case and blanks: matched
        "salesforce.user": [
            {
                "Id": "005B",
                "Name": "Bob Byrne",
                "Email": "  BOB.Byrne@example.com",
                "IsActive": True,
            },
        ],
        "salesforce.opportunity": [
            {"Id": "006A", "Name": "Acme PS", "AccountId": "001A", "IsDeleted": False},
        ],
    }


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, dbt_engine: str | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixtures built by dbt on DuckDB, then on PostgreSQL (``dbt_engine``)."""
    root = tmp_path_factory.mktemp("dbt_utilization")
    warehouse_dir = root / "warehouse"
    make_raw_warehouse(warehouse_dir / "psops.duckdb", {**_kantata_rows(), **_identity_rows()})
    started = time.monotonic()
    result = run_dbt(["build"], warehouse_dir, AS_OF, root, pg_server_dsn=dbt_engine)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    log.info("dbt build took %.1fs", elapsed)
    con = duckdb.connect(str(warehouse_dir / "psops.duckdb"), read_only=True)
    yield con
    con.close()


def _key(con: duckdb.DuckDBPyConnection, email: str) -> str:
    return con.execute(
        "select consultant_key from marts.dim_consultant where email = ?", [email]
    ).fetchone()[0]


def _daily(con: duckdb.DuckDBPyConnection, email: str) -> dict[date, tuple[float, ...]]:
    rows = con.execute(
        """select date_day, capacity_hours, time_off_hours, available_hours, billable_hours,
                  client_non_billable_hours, internal_hours
           from marts.fct_utilization_daily where consultant_key = ? order by date_day""",
        [_key(con, email)],
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


ALICE = "alice.archer@example.com"
BOB = "bob.byrne@example.com"


def test_full_timer_loses_capacity_on_her_regional_holiday_and_half_day_off(warehouse):
    daily = _daily(warehouse, ALICE)
    # (capacity, time off, available, billable, client non-billable, internal)
    assert daily == {
        date(2026, 6, 28): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # Sunday: 0 minutes in workweek
        date(2026, 6, 29): (8.0, 0.0, 8.0, 8.0, 0.0, 0.0),  # 480 min / 60
        date(2026, 6, 30): (8.0, 4.0, 4.0, 4.0, 0.0, 0.0),  # half day off: 8 - 4
        date(2026, 7, 1): (8.0, 0.0, 8.0, 6.0, 0.0, 2.0),
        date(2026, 7, 2): (8.0, 0.0, 8.0, 5.0, 3.0, 0.0),
        date(2026, 7, 3): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # US Independence Day (observed)
        date(2026, 7, 4): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        date(2026, 7, 5): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # last full day (as of - 1)
    }


def test_part_timer_has_no_friday_capacity_and_rejected_hours_count_nowhere(warehouse):
    daily = _daily(warehouse, BOB)
    assert daily == {
        date(2026, 6, 28): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # 8 h billable, timesheet rejected
        date(2026, 6, 29): (8.0, 0.0, 8.0, 8.0, 0.0, 0.0),
        date(2026, 6, 30): (8.0, 0.0, 8.0, 6.0, 0.0, 2.0),  # billable flag on internal: internal
        date(2026, 7, 1): (8.0, 8.0, 0.0, 0.0, 0.0, 0.0),  # full day off: 8 - 8
        date(2026, 7, 2): (8.0, 0.0, 8.0, 4.0, 4.0, 0.0),
        date(2026, 7, 3): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # Friday: 0 minutes (Mon-Thu workweek)
        date(2026, 7, 4): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        date(2026, 7, 5): (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    }


def test_weekly_utilization_per_person_is_billable_over_available(warehouse):
    rows = warehouse.execute(
        """select c.email, w.available_hours, w.billable_hours, w.client_non_billable_hours,
                  w.internal_hours, w.non_billable_hours, w.billable_utilization,
                  w.productive_utilization, w.target_utilization, w.utilization_gap,
                  w.is_over_150_percent, w.iso_year, w.iso_week, w.is_complete_week
           from marts.mart_utilization_weekly w
           join marts.dim_consultant c using (consultant_key)
           where w.week_start = ? order by c.email""",
        [WEEK_27],
    ).fetchall()
    alice, bob = rows
    # Alice: available = 4 days x 8 h (Friday is a holiday) - 4 h off = 28 h; billable 23 h
    assert alice[:6] == (ALICE, 28.0, 23.0, 3.0, 2.0, 5.0)
    assert alice[6] == pytest.approx(23 / 28)  # 0.8214
    assert alice[7] == pytest.approx((23 + 3) / 28)  # 0.9286
    assert alice[8] == pytest.approx(0.80)  # her own Kantata target, 80 %
    assert alice[9] == pytest.approx(23 / 28 - 0.80)
    assert alice[10:] == (False, 2026, 27, True)
    # Bob: available = 4 days x 8 h - 8 h off = 24 h; billable 18 h (the rejected 8 h are
    # in week 26 and count nowhere)
    assert bob[:6] == (BOB, 24.0, 18.0, 4.0, 2.0, 6.0)
    assert bob[6] == pytest.approx(18 / 24)  # 0.75
    assert bob[7] == pytest.approx((18 + 4) / 24)  # 0.9167
    assert bob[8] == pytest.approx(0.75)  # no own target: the seed's Senior Consultant target
    assert bob[9] == pytest.approx(0.0)
    assert bob[10:] == (False, 2026, 27, True)


def test_week_without_available_hours_has_null_utilization(warehouse):
    rows = warehouse.execute(
        """select available_hours, billable_hours, billable_utilization,
                  productive_utilization, utilization_gap, is_over_150_percent
           from marts.mart_utilization_weekly where week_start = ?""",
        [WEEK_26],
    ).fetchall()
    # only Sunday 06-28 of week 26 is in the window: 0 available -> NULL, not 0
    assert rows == [(0.0, 0.0, None, None, None, False)] * 2


def test_org_utilization_is_a_ratio_of_sums_not_an_average_of_ratios(warehouse):
    org, average_of_ratios = warehouse.execute(
        """select sum(billable_hours) / sum(available_hours), avg(billable_utilization)
           from marts.mart_utilization_weekly where week_start = ?""",
        [WEEK_27],
    ).fetchone()
    # (23 + 18) / (28 + 24) = 41 / 52 = 0.78846; the average of 0.82143 and 0.75 is 0.78571
    assert org == pytest.approx(41 / 52)
    assert average_of_ratios == pytest.approx((23 / 28 + 18 / 24) / 2)
    assert org != pytest.approx(average_of_ratios)
    by_region = warehouse.execute(
        """select region, sum(billable_hours) / sum(available_hours)
           from marts.mart_utilization_weekly where week_start = ?
           group by region order by region""",
        [WEEK_27],
    ).fetchall()
    assert by_region == [("AMER", pytest.approx(23 / 28)), ("EMEA", pytest.approx(18 / 24))]


def test_time_entries_keep_rejected_rows_flagged_and_categorised(warehouse):
    rows = warehouse.execute(
        """select time_entry_id, hours, hour_category, submission_status, is_rejected,
                  is_client_engagement
           from marts.fct_time_entries where time_entry_id in ('t4', 't5', 't7', 't10')
           order by time_entry_id"""
    ).fetchall()
    assert rows == [
        ("t10", 2.0, "internal", "approved", False, False),
        ("t4", 2.0, "internal", "submitted", False, False),
        ("t5", 3.0, "client_non_billable", "submitted", False, True),
        ("t7", 8.0, "billable", "rejected", True, True),
    ]


def test_dim_date_flags_the_regional_holiday_as_a_non_working_day(warehouse):
    row = warehouse.execute(
        """select week_start, iso_year, iso_week, month_start, quarter, is_weekday,
                  is_working_day_amer, is_working_day_emea, is_working_day_apac
           from marts.dim_date where date_day = date '2026-07-03'"""
    ).fetchone()
    assert row == (WEEK_27, 2026, 27, date(2026, 7, 1), "2026-Q3", True, False, True, True)


def test_dim_consultant_conforms_people_across_systems_by_email(warehouse):
    rows = warehouse.execute(
        """select email, full_name, role, region, team, fte, standard_daily_hours, hire_date,
                  timezone, billability_target, kantata_user_id, jira_account_id, sfdc_user_id,
                  manager_key
           from marts.dim_consultant where has_kantata_user order by email"""
    ).fetchall()
    alice_key = _key(warehouse, ALICE)
    assert rows == [
        (
            ALICE,
            "Alice Archer",
            "Consultant",
            "AMER",
            "Delivery East",
            1.0,
            8.0,
            date(2025, 1, 6),
            "America/New_York",
            0.8,
            "u1",
            None,
            None,
            None,
        ),
        # 32 h Mon-Thu: fte = 1920 / 2400 = 0.8, still 8 h on a working day
        (
            BOB,
            "Bob Byrne",
            "Senior Consultant",
            "EMEA",
            "Delivery Europe",
            0.8,
            8.0,
            date(2024, 3, 1),
            "Europe/Dublin",
            None,
            "u2",
            None,
            "005B",
            alice_key,
        ),
    ]
    unmatched = warehouse.execute(
        "select source, source_id, email, reason from marts.dq_unmatched_identities"
    ).fetchall()
    assert unmatched == [("jira", "5b10ac8d82e05b22cc7d4ef5", None, "email_missing")]


def test_dim_engagement_reads_the_workspace_custom_fields(warehouse):
    rows = warehouse.execute(
        """select engagement_id, billing_type, price_in_cents, currency, budgeted_hours,
                  sfdc_opportunity_id, sfdc_account_id, jira_project_key, is_internal
           from marts.dim_engagement order by engagement_id"""
    ).fetchall()
    assert rows == [
        ("w1", "Time & Materials", 12000000, "USD", 600.0, "006A", "001A", "ACME", False),
        ("w2", "Fixed Fee", 5000000, "EUR", 250.0, None, None, None, False),
        ("w3", "Time & Materials", None, None, None, None, None, None, True),
    ]
