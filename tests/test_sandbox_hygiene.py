"""The sandbox plants the issue-14 cases at every scale (DOMAIN.md §9, §11): the delivery
model mix of the client workspaces, on-time / late / missing / rejected timesheets and a
few of each administration hygiene problem.  The counts are those of the small sandbox
(seed 7, as of 2026-10-15), read off the generator's own choices."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

DELIVERY = "('Consultant', 'Senior Consultant', 'Technical Consultant')"
AS_OF = "DATE '2026-10-15'"


@pytest.fixture(scope="module")
def con(sandbox_db: Path):
    connection = duckdb.connect(str(sandbox_db), read_only=True)
    yield connection
    connection.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def field_values(name: str) -> str:
    return (
        "SELECT v.subject_id, coalesce(c.label, v.value) AS value "
        "FROM kantata_custom_field_values v JOIN kantata_custom_fields f "
        f"ON f.id = v.custom_field_id AND f.name = '{name}' "
        "LEFT JOIN kantata_custom_field_choices c ON c.id = v.value"
    )


CLIENT_WS = (
    f"SELECT subject_id AS id FROM ({field_values('Engagement Type')}) WHERE value = 'Client'"
)
ACTIVE_DELIVERY = (
    "SELECT m.user_id FROM kantata_account_memberships m JOIN kantata_roles r "
    f"ON r.id = m.default_role_id WHERE m.disabled_at IS NULL AND r.name IN {DELIVERY}"
)


def test_client_workspaces_carry_the_delivery_model_mix(con) -> None:
    mix = rows(
        con,
        f"SELECT coalesce(m.value, '(empty)'), count(*) FROM ({CLIENT_WS}) w "
        f"LEFT JOIN ({field_values('Delivery Model')}) m ON m.subject_id = w.id "
        "GROUP BY 1 ORDER BY 1",
    )
    # 162 client workspaces: 121 Direct (59 of them with the field left empty), 23
    # Partner-led, 18 Co-delivery
    assert mix == [("(empty)", 59), ("Co-delivery", 18), ("Direct", 62), ("Partner-led", 23)]
    partners = rows(
        con,
        f"SELECT p.value, count(*) FROM ({field_values('Delivery Partner')}) p "
        f"JOIN ({field_values('Delivery Model')}) m ON m.subject_id = p.subject_id "
        "WHERE m.value IN ('Partner-led', 'Co-delivery') GROUP BY 1 ORDER BY 1",
    )
    assert partners == [("Accenture", 10), ("Deloitte", 14), ("Globant", 7), ("Slalom", 10)]
    # a partner only where the model says so; the choice field holds its choice id
    assert rows(con, f"SELECT count(*) FROM ({field_values('Delivery Partner')})") == [(41,)]
    assert rows(
        con,
        "SELECT DISTINCT f.value_type FROM kantata_custom_fields f "
        "WHERE f.name IN ('Delivery Model', 'Delivery Partner') ORDER BY 1",
    ) == [("single",), ("string",)]


def test_active_delivery_people_missing_org_data(con) -> None:
    no_team = rows(
        con,
        f"SELECT count(*) FROM ({ACTIVE_DELIVERY}) p WHERE p.user_id NOT IN "
        f"(SELECT subject_id FROM ({field_values('Team')}))",
    )
    no_region = rows(
        con,
        f"SELECT count(*) FROM ({ACTIVE_DELIVERY}) p WHERE p.user_id NOT IN "
        f"(SELECT subject_id FROM ({field_values('Region')}))",
    )
    no_workweek = rows(
        con,
        f"SELECT count(*) FROM ({ACTIVE_DELIVERY}) p WHERE p.user_id NOT IN "
        "(SELECT user_id FROM kantata_workweek_memberships)",
    )
    no_calendar = rows(
        con,
        f"SELECT count(*) FROM ({ACTIVE_DELIVERY}) p WHERE p.user_id NOT IN "
        "(SELECT user_id FROM kantata_holiday_calendar_memberships)",
    )
    assert (no_team, no_region, no_workweek, no_calendar) == ([(1,)], [(0,)], [(1,)], [(1,)])
    # three different people, and they still log time
    assert rows(
        con,
        f"SELECT count(DISTINCT user_id) FROM kantata_time_entries WHERE user_id IN ("
        f"SELECT user_id FROM ({ACTIVE_DELIVERY}) p WHERE p.user_id NOT IN "
        f"(SELECT subject_id FROM ({field_values('Team')})) OR p.user_id NOT IN "
        "(SELECT user_id FROM kantata_workweek_memberships) OR p.user_id NOT IN "
        "(SELECT user_id FROM kantata_holiday_calendar_memberships))",
    ) == [(3,)]


def test_a_non_delivery_person_logs_billable_time(con) -> None:
    assert rows(
        con,
        "SELECT r.name, count(DISTINCT t.user_id), count(*), sum(t.time_in_minutes) "
        "FROM kantata_time_entries t JOIN kantata_account_memberships m "
        "ON m.user_id = t.user_id LEFT JOIN kantata_roles r ON r.id = m.default_role_id "
        f"WHERE t.billable AND (r.name IS NULL OR r.name NOT IN {DELIVERY} "
        "AND r.name IN ('Account Administrator', 'Sales')) GROUP BY 1",
    ) == [("Sales", 1, 3, 360)]


def test_client_workspaces_without_or_with_an_unknown_opportunity(con) -> None:
    without = rows(
        con,
        f"SELECT count(*) FROM ({CLIENT_WS}) w WHERE w.id NOT IN "
        f"(SELECT subject_id FROM ({field_values('Salesforce Opportunity ID')}))",
    )
    unmatched = rows(
        con,
        f"SELECT count(*) FROM ({field_values('Salesforce Opportunity ID')}) v "
        "WHERE v.value NOT IN (SELECT Id FROM salesforce_opportunity)",
    )
    assert (without, unmatched) == ([(2,)], [(1,)])


def test_won_ps_opportunities_without_a_workspace(con) -> None:
    never_opened = rows(
        con,
        f"SELECT o.CloseDate < {AS_OF} - INTERVAL 30 DAY AS overdue, count(*) "
        "FROM salesforce_opportunity o WHERE o.IsWon AND NOT o.IsDeleted AND EXISTS ("
        "SELECT 1 FROM salesforce_opportunitylineitem li JOIN salesforce_product2 p "
        "ON p.Id = li.Product2Id AND p.Family = 'Professional Services' "
        "WHERE li.OpportunityId = o.Id) AND o.Id NOT IN (SELECT value FROM "
        f"({field_values('Salesforce Opportunity ID')})) GROUP BY ALL ORDER BY ALL",
    )
    # the planted one closed 45-120 days ago and one 5-20 days ago (not a finding yet),
    # and the opportunities of the two workspaces without the id and of the one whose id
    # is wrong: their workspace cannot be found from Salesforce either
    assert never_opened == [(False, 1), (True, 4)]


def test_time_logged_after_the_workspace_due_date(con) -> None:
    late = rows(
        con,
        "SELECT count(*), count(DISTINCT t.workspace_id) FROM kantata_time_entries t "
        "JOIN kantata_workspaces w ON w.id = t.workspace_id "
        "WHERE t.date_performed > w.due_date + INTERVAL 30 DAY",
    )
    assert late == [(2, 2)]


def test_allocations_to_people_who_left(con) -> None:
    departed = rows(
        con,
        "SELECT count(*), count(DISTINCT a.user_id) FROM kantata_workspace_allocations a "
        "JOIN kantata_account_memberships m ON m.user_id = a.user_id "
        "WHERE m.disabled_at IS NOT NULL AND a.start_date > CAST(m.disabled_at AS DATE)",
    )
    assert departed == [(2, 1)]


def test_timesheets_are_on_time_late_missing_or_rejected(con) -> None:
    """Deadline Monday 10:00 in the region's timezone after the week."""
    by_outcome = dict(
        rows(
            con,
            "WITH s AS (SELECT s.*, v.value AS region FROM kantata_timesheet_submissions s "
            f"JOIN ({field_values('Region')}) v ON v.subject_id = s.user_id) "
            "SELECT created_at <= timezone(CASE region WHEN 'AMER' THEN 'America/New_York' "
            "WHEN 'EMEA' THEN 'Europe/Dublin' ELSE 'Asia/Singapore' END, "
            "CAST(start_date + 7 AS TIMESTAMP) + INTERVAL 10 HOUR) AS on_time, count(*) "
            f"FROM s WHERE start_date + 7 < {AS_OF} GROUP BY 1",
        )
    )
    total = by_outcome[True] + by_outcome[False]
    assert 0.06 < by_outcome[False] / total < 0.12
    assert rows(
        con, "SELECT count(*) FROM kantata_timesheet_submissions WHERE status = 'rejected'"
    ) == [(311,)]
    # missing: worked weeks (due two weeks back and more) with a workspace never submitted
    assert rows(
        con,
        "SELECT count(*), count(DISTINCT (w.user_id, w.week)) FROM (SELECT DISTINCT user_id, "
        "workspace_id, date_trunc('week', date_performed) AS week FROM kantata_time_entries "
        "WHERE date_performed < DATE '2026-10-05') w LEFT JOIN kantata_timesheet_submissions s "
        "ON s.user_id = w.user_id AND s.workspace_id = w.workspace_id AND s.start_date = w.week "
        "WHERE s.id IS NULL",
    ) == [(60, 60)]


def test_the_gate_warns_on_a_delivery_model_that_is_no_choice(tmp_path: Path) -> None:
    from tests.test_gate_suites import make_db, run

    value = {"subject_type": "Workspace", "custom_field_id": "307"}
    db = make_db(
        tmp_path,
        {
            ("kantata", "custom_fields"): [{"id": "307", "subject_type": "Workspace"}],
            ("kantata", "custom_field_values"): [
                {"id": "1", **value, "custom_field_name": "Delivery Model", "value": "356"},
                {"id": "2", **value, "custom_field_name": "Delivery Model", "value": "Partner"},
                {"id": "3", **value, "custom_field_name": "Delivery Partner", "value": "Slalom"},
            ],
            ("kantata", "custom_field_choices"): [
                {"id": "356", "custom_field_id": "307", "label": "Direct"},
            ],
        },
    )
    outcome = run(db, "raw_kantata.custom_field_values")
    judged = [e for e in outcome.expectations if e.expectation.endswith("(value)")]
    assert [(e.severity, e.passed, e.unexpected_count) for e in judged] == [("warn", False, 1)]
    assert judged[0].unexpected_sample == [{"id": "2", "value": "Partner"}]
    assert outcome.passed  # a warning publishes
