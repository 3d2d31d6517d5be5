"""The sandbox generator: deterministic, consistent across Kantata, Salesforce and Jira,
and never dated after as_of except plans (allocations, booked time off, open deals)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from sources.sandbox import org
from sources.sandbox.generate import SCALES, generate, salesforce_id, salesforce_id_suffix
from sources.sandbox.schema import SYSTEMS, sandbox_table_name
from tests.conftest import SANDBOX_AS_OF, SANDBOX_SEED

AS_OF = SANDBOX_AS_OF
AS_OF_TS = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
HASHED_TABLES = (
    "kantata_time_entries",
    "kantata_workspace_allocations",
    "jira_issue_changelog",
    "salesforce_opportunity",
)


def table_digest(db: Path, table: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def con(sandbox_db: Path):
    connection = duckdb.connect(str(sandbox_db), read_only=True)
    yield connection
    connection.close()


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


# --- determinism and shape -----------------------------------------------------------


def test_the_same_seed_gives_the_same_tables(sandbox_db: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    counts = generate(tmp_path, scale="small", seed=SANDBOX_SEED, as_of=AS_OF)
    print(f"small sandbox generated in {time.monotonic() - started:.2f}s")
    manifest = json.loads((sandbox_db.parent / "manifest.json").read_text())
    assert counts == manifest["counts"]
    for table in HASHED_TABLES:
        assert table_digest(tmp_path / "sandbox.duckdb", table) == table_digest(sandbox_db, table)


def test_another_seed_gives_another_organisation(sandbox_db: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="small", seed=SANDBOX_SEED + 1, as_of=AS_OF)
    assert table_digest(tmp_path / "sandbox.duckdb", "kantata_users") != table_digest(
        sandbox_db, "kantata_users"
    )


def test_generating_again_replaces_the_dataset(tmp_path: Path) -> None:
    generate(tmp_path, scale="small", seed=1, as_of=AS_OF, orphan_time_entries=3)
    counts = generate(tmp_path, scale="small", seed=1, as_of=AS_OF)
    con = duckdb.connect(str(tmp_path / "sandbox.duckdb"), read_only=True)
    try:
        assert (
            one(con, "SELECT count(*) FROM kantata_time_entries")
            == (counts["kantata_time_entries"])
        )
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "sandbox.duckdb"]


def test_manifest_names_scale_seed_as_of_and_counts(sandbox_db: Path, con) -> None:
    manifest = json.loads((sandbox_db.parent / "manifest.json").read_text())
    assert manifest["scale"] == "small"
    assert manifest["seed"] == SANDBOX_SEED
    assert manifest["as_of"] == "2026-10-15"
    # 60 delivery people and 3 account staff (admins, sales)
    assert manifest["counts"]["kantata_users"] == SCALES["small"].people + 3 == 63
    for table, rows in manifest["counts"].items():
        assert one(con, f"SELECT count(*) FROM {table}") == rows
        assert rows > 0, table


def test_every_table_has_exactly_the_contract_columns(con) -> None:
    for system, tables in SYSTEMS.items():
        for table, columns in tables.items():
            described = con.execute(f"DESCRIBE {sandbox_table_name(system, table)}").fetchall()
            assert [(r[0], r[1]) for r in described] == columns


def test_primary_keys_are_unique(con) -> None:
    for system, tables in SYSTEMS.items():
        for table, columns in tables.items():
            name, key = sandbox_table_name(system, table), columns[0][0]
            assert one(con, f'SELECT count(*) - count(DISTINCT "{key}") FROM {name}') == 0, name


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate(tmp_path, scale="huge")


# --- people ---------------------------------------------------------------------------


def test_every_kantata_user_email_is_a_salesforce_user(con) -> None:
    missing = one(
        con,
        "SELECT count(*) FROM kantata_users k "
        "WHERE k.email_address NOT IN (SELECT Email FROM salesforce_user)",
    )
    assert missing == 0
    sales_only = one(
        con,
        "SELECT count(*) FROM salesforce_user "
        "WHERE Email NOT IN (SELECT email_address FROM kantata_users)",
    )
    assert sales_only == SCALES["small"].sales_reps == 6


def test_emails_are_unique_lower_case_at_psops_example(con) -> None:
    emails = [r[0] for r in con.execute("SELECT email_address FROM kantata_users").fetchall()]
    assert len(set(emails)) == len(emails) == 63
    assert all(e == e.lower() and e.endswith("@psops.example") for e in emails)


def test_people_carry_region_team_and_hire_date(con) -> None:
    values = con.execute(
        "SELECT f.name, count(DISTINCT v.subject_id) FROM kantata_custom_field_values v "
        "JOIN kantata_custom_fields f ON f.id = v.custom_field_id "
        "WHERE v.subject_type = 'User' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    # one delivery person's Team was never filled in (a planted hygiene case, DOMAIN.md §11)
    assert values == [("Hire Date", 63), ("Region", 63), ("Team", 62)]
    regions = {  # a choice field: the value is the choice id
        r[0]
        for r in con.execute(
            "SELECT DISTINCT c.label FROM kantata_custom_field_values v "
            "JOIN kantata_custom_fields f ON f.id = v.custom_field_id AND f.name = 'Region' "
            "JOIN kantata_custom_field_choices c ON c.id = v.value"
        ).fetchall()
    }
    assert regions == {"AMER", "EMEA", "APAC"}


def test_some_people_join_leave_work_part_time_or_have_no_target(con) -> None:
    start = date(2025, 4, 15)
    hired = one(
        con,
        "SELECT count(*) FROM kantata_custom_field_values v "
        "JOIN kantata_custom_fields f ON f.id = v.custom_field_id "
        "WHERE f.name = 'Hire Date' AND CAST(v.value AS DATE) >= ?",
        [start],
    )
    left = one(
        con, "SELECT count(*) FROM kantata_account_memberships WHERE disabled_at IS NOT NULL"
    )
    part_time = one(
        con,
        "SELECT count(DISTINCT user_id) FROM kantata_workweek_memberships m "
        "JOIN kantata_workweeks w ON w.id = m.workweek_id WHERE w.friday_minutes < 480 "
        "OR w.monday_minutes < 480",
    )
    no_target = one(
        con, "SELECT count(*) FROM kantata_account_memberships WHERE billability_target IS NULL"
    )
    assert hired >= 3 and left >= 1 and part_time >= 3 and 2 <= no_target <= 12


def test_consultants_are_more_billable_than_practice_leads(con) -> None:
    share = dict(
        con.execute(
            "SELECT r.name, sum(CASE WHEN t.billable THEN t.time_in_minutes END) "
            "/ sum(t.time_in_minutes) FROM kantata_time_entries t "
            "JOIN kantata_account_memberships m ON m.user_id = t.user_id "
            "JOIN kantata_roles r ON r.id = m.default_role_id GROUP BY 1"
        ).fetchall()
    )
    assert share["Consultant"] > 0.6
    assert share["Practice Lead"] < 0.25
    assert share["Consultant"] > share["Engagement Manager"] > share["Practice Lead"]


# --- engagements and sales ------------------------------------------------------------


def test_every_client_workspace_was_sold_on_a_closed_won_opportunity_with_ps(con) -> None:
    rows = con.execute(
        """
        WITH opp AS (
            SELECT w.id, w.price_in_cents, w.start_date, v.value AS opportunity_id
            FROM kantata_workspaces w
            JOIN kantata_custom_field_values v ON v.subject_id = w.id
            JOIN kantata_custom_fields f
              ON f.id = v.custom_field_id AND f.name = 'Salesforce Opportunity ID'
        ),
        ps AS (
            SELECT li.OpportunityId, sum(li.TotalPrice) AS ps_amount
            FROM salesforce_opportunitylineitem li
            JOIN salesforce_product2 p ON p.Id = li.Product2Id
            WHERE p.Family = 'Professional Services' GROUP BY 1
        )
        SELECT opp.id, o.StageName, o.IsWon, o.IsClosed, ps.ps_amount, opp.price_in_cents,
               opp.start_date > o.CloseDate
        FROM opp
        LEFT JOIN salesforce_opportunity o ON o.Id = opp.opportunity_id
        LEFT JOIN ps ON ps.OpportunityId = opp.opportunity_id
        """
    ).fetchall()
    assert len(rows) > 50
    # a planted hygiene case (DOMAIN.md §11): one workspace's id matches no opportunity
    unmatched = [r for r in rows if r[1] is None]
    assert len(unmatched) == 1
    rows = [r for r in rows if r[1] is not None]
    for _, stage, won, closed, ps_amount, price, starts_later in rows:
        assert (stage, won, closed, starts_later) == ("Closed Won", True, True, True)
        assert ps_amount is not None and abs(ps_amount * 100 - price) <= 2
    # and every such opportunity has its workspace
    unworked = one(
        con,
        """
        SELECT count(DISTINCT o.Id) FROM salesforce_opportunity o
        JOIN salesforce_opportunitylineitem li ON li.OpportunityId = o.Id
        JOIN salesforce_product2 p ON p.Id = li.Product2Id AND p.Family = 'Professional Services'
        WHERE o.IsWon AND NOT o.IsDeleted AND o.Id NOT IN (
            SELECT v.value FROM kantata_custom_field_values v
            JOIN kantata_custom_fields f ON f.id = v.custom_field_id
            WHERE f.name = 'Salesforce Opportunity ID')
        """,
    )
    # but the planted hygiene cases: two workspaces without the id, the unmatched one, one
    # won deal never opened (closed 45-120 days ago) and one won 5-20 days ago
    assert unworked == 5


def test_workspaces_are_client_or_internal(con) -> None:
    kinds = dict(
        con.execute(
            "SELECT c.label, count(*) FROM kantata_custom_field_values v "
            "JOIN kantata_custom_field_choices c ON c.id = v.value "
            "JOIN kantata_custom_fields f ON f.id = v.custom_field_id "
            "WHERE f.name = 'Engagement Type' GROUP BY 1"
        ).fetchall()
    )
    assert kinds["Internal"] == len(org.INTERNAL_WORKSPACES) == 3
    assert kinds["Client"] + 3 == one(con, "SELECT count(*) FROM kantata_workspaces")


def test_opportunity_amount_is_the_sum_of_its_line_items(con) -> None:
    off = one(
        con,
        "SELECT count(*) FROM salesforce_opportunity o JOIN ("
        "  SELECT OpportunityId, sum(TotalPrice) AS total FROM salesforce_opportunitylineitem "
        "  GROUP BY 1) li ON li.OpportunityId = o.Id WHERE abs(o.Amount - li.total) > 0.01",
    )
    assert off == 0
    assert one(con, "SELECT count(*) FROM salesforce_opportunity WHERE Amount IS NULL") == 0


def test_stages_carry_probability_category_and_closed_flags(con) -> None:
    rows = con.execute(
        "SELECT StageName, IsClosed, IsWon, min(Probability), max(Probability), "
        "min(CloseDate), max(CloseDate) FROM salesforce_opportunity GROUP BY ALL"
    ).fetchall()
    by_stage = {r[0]: r[1:] for r in rows}
    assert by_stage["Closed Won"][:4] == (True, True, 100.0, 100.0)
    assert by_stage["Closed Lost"][:4] == (True, False, 0.0, 0.0)
    for stage in ("Closed Won", "Closed Lost"):
        assert by_stage[stage][5] < AS_OF
    open_rows = [r for r in rows if not r[1]]
    assert {r[0] for r in open_rows} <= set(org.OPEN_STAGES)
    for r in open_rows:
        assert AS_OF <= r[5] and r[6] <= date(2027, 10, 31)
    assert one(con, "SELECT count(*) FROM salesforce_opportunity WHERE Probability IS NULL") > 0


def test_salesforce_ids_have_the_object_prefix_and_checksum(con) -> None:
    assert salesforce_id_suffix("001D000000IqhSL") == "IAZ"  # the documented example
    for table, prefix in (
        ("account", "001"),
        ("opportunity", "006"),
        ("opportunitylineitem", "00k"),
        ("product2", "01t"),
        ("user", "005"),
    ):
        ids = [r[0] for r in con.execute(f"SELECT Id FROM salesforce_{table}").fetchall()]
        assert all(len(i) == 18 and i.startswith(prefix) for i in ids), table
        assert all(i[15:] == salesforce_id_suffix(i[:15]) for i in ids), table
    assert salesforce_id("006", 0) != salesforce_id("006", 1)


# --- Jira ------------------------------------------------------------------------------


def test_every_issue_belongs_to_an_existing_project(con) -> None:
    orphans = one(
        con,
        "SELECT count(*) FROM jira_issues WHERE project_key NOT IN (SELECT key FROM jira_projects)",
    )
    assert orphans == 0
    keys = {
        r[0]
        for r in con.execute(
            "SELECT v.value FROM kantata_custom_field_values v "
            "JOIN kantata_custom_fields f ON f.id = v.custom_field_id "
            "WHERE f.name = 'Jira Project Key'"
        ).fetchall()
    }
    projects = {r[0] for r in con.execute("SELECT key FROM jira_projects").fetchall()}
    assert projects == keys | {"PSOPS", "PRESALES"}  # internal requests, pre-sales scoping


def test_issue_status_agrees_with_its_changelog(con) -> None:
    categories = dict(con.execute("SELECT id, category_key FROM jira_statuses").fetchall())
    issues = con.execute(
        "SELECT id, status_id, status_category_key, created, updated, resolutiondate, "
        "project_key FROM jira_issues"
    ).fetchall()
    changes: dict[str, list] = {}
    for issue_id, created, from_id, to_id in con.execute(
        "SELECT issue_id, created, from_id, to_id FROM jira_issue_changelog "
        "ORDER BY issue_id, created"
    ).fetchall():
        changes.setdefault(issue_id, []).append((created, from_id, to_id))
    for issue_id, status_id, category, created, updated, resolved, project in issues:
        history = changes.get(issue_id, [])
        first = "1" if project == "PRESALES" else "10000"  # Open, or To Do
        expected_status = history[-1][2] if history else first
        assert status_id == expected_status, issue_id
        assert category == categories[status_id]
        previous, state = created, first
        for when, from_id, to_id in history:
            assert when > previous and from_id == state, issue_id
            previous, state = when, to_id
        assert updated == previous
        assert resolved == (previous if category == "done" else None)


def test_about_a_tenth_of_tickets_are_open_and_some_reopened(con) -> None:
    total = one(con, "SELECT count(*) FROM jira_issues")
    still_open = one(con, "SELECT count(*) FROM jira_issues WHERE status_category_key <> 'done'")
    reopened = one(
        con, "SELECT count(DISTINCT issue_id) FROM jira_issue_changelog WHERE to_string='Reopened'"
    )
    assert 0.05 < still_open / total < 0.15
    assert 0.02 < reopened / total < 0.08


def test_high_priorities_are_resolved_faster(con) -> None:
    hours = dict(
        con.execute(
            "SELECT priority, median(epoch(resolutiondate - created) / 3600) FROM jira_issues "
            "WHERE resolutiondate IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert hours["Highest"] < hours["High"] < hours["Medium"] < hours["Low"]


def test_some_jira_users_hide_their_email(con) -> None:
    hidden = one(con, "SELECT count(*) FROM jira_users WHERE email_address IS NULL")
    total = one(con, "SELECT count(*) FROM jira_users")
    assert 0.03 < hidden / total < 0.2


# --- time -----------------------------------------------------------------------------


def test_nothing_is_dated_after_as_of_except_plans(con) -> None:
    after = AS_OF_TS
    for table, column in (
        ("kantata_users", "updated_at"),
        ("kantata_account_memberships", "updated_at"),
        ("kantata_workspaces", "updated_at"),
        ("kantata_workspaces", "created_at"),
        ("kantata_time_entries", "updated_at"),
        ("kantata_time_off_entries", "updated_at"),
        ("kantata_timesheet_submissions", "updated_at"),
        ("kantata_workspace_allocations", "updated_at"),
        ("kantata_custom_field_values", "updated_at"),
        ("jira_issues", "updated"),
        ("jira_issue_changelog", "created"),
        ("salesforce_opportunity", "SystemModstamp"),
        ("salesforce_opportunitylineitem", "SystemModstamp"),
        ("salesforce_user", "SystemModstamp"),
        ("salesforce_account", "SystemModstamp"),
    ):
        assert one(con, f"SELECT count(*) FROM {table} WHERE {column} > ?", [after]) == 0, table
    assert one(con, "SELECT max(date_performed) FROM kantata_time_entries") == date(2026, 10, 14)
    assert one(con, "SELECT max(start_date) FROM kantata_timesheet_submissions") < AS_OF
    # plans reach ahead: allocations ~13 weeks, open opportunities up to 12 months
    assert one(con, "SELECT max(start_date) FROM kantata_workspace_allocations") > date(2027, 1, 1)
    assert one(
        con, "SELECT count(*) FROM salesforce_opportunity WHERE CloseDate >= ?", [AS_OF]
    ) == (one(con, "SELECT count(*) FROM salesforce_opportunity WHERE NOT IsClosed"))


def test_modification_stamps_follow_creation(con) -> None:
    for table, created, modified in (
        ("salesforce_opportunity", "CreatedDate", "SystemModstamp"),
        ("salesforce_opportunitylineitem", "CreatedDate", "SystemModstamp"),
        ("salesforce_user", "CreatedDate", "SystemModstamp"),
        ("salesforce_account", "CreatedDate", "SystemModstamp"),
        ("kantata_users", "created_at", "updated_at"),
        ("kantata_workspaces", "created_at", "updated_at"),
        ("kantata_time_entries", "created_at", "updated_at"),
        ("jira_issues", "created", "updated"),
    ):
        assert one(con, f"SELECT count(*) FROM {table} WHERE {modified} < {created}") == 0, table


def test_no_time_is_logged_on_holidays_full_days_off_or_weekends(con) -> None:
    on_holiday = one(
        con,
        "SELECT count(*) FROM kantata_time_entries t "
        "JOIN kantata_holiday_calendar_memberships m ON m.user_id = t.user_id "
        "JOIN kantata_holiday_calendar_associations a "
        " ON a.holiday_calendar_id = m.holiday_calendar_id "
        "JOIN kantata_holidays h ON h.id = a.holiday_id "
        " AND t.date_performed BETWEEN h.start_date AND h.end_date",
    )
    on_day_off = one(
        con,
        "SELECT count(*) FROM kantata_time_entries t JOIN kantata_time_off_entries o "
        "ON o.user_id = t.user_id AND o.requested_date = t.date_performed AND o.hours >= 8",
    )
    weekend = one(
        con, "SELECT count(*) FROM kantata_time_entries WHERE dayofweek(date_performed) IN (0, 6)"
    )
    assert (on_holiday, on_day_off, weekend) == (0, 0, 0)


def test_billable_entries_carry_the_bill_rate(con) -> None:
    wrong = one(
        con,
        "SELECT count(*) FROM kantata_time_entries t "
        "JOIN kantata_account_memberships m ON m.user_id = t.user_id "
        "WHERE t.rate_in_cents <> CASE WHEN t.billable THEN m.bill_rate_in_cents ELSE 0 END",
    )
    internal_billable = one(
        con,
        "SELECT count(*) FROM kantata_time_entries t JOIN kantata_custom_field_values v "
        "ON v.subject_id = t.workspace_id JOIN kantata_custom_field_choices c "
        "ON c.id = v.value AND c.label = 'Internal' WHERE t.billable",
    )
    assert (wrong, internal_billable) == (0, 0)


def test_time_is_logged_only_where_the_person_is_a_resource(con) -> None:
    unstaffed = one(
        con,
        "SELECT count(*) FROM kantata_time_entries t LEFT JOIN kantata_workspace_resources r "
        "ON r.user_id = t.user_id AND r.workspace_id = t.workspace_id WHERE r.id IS NULL",
    )
    assert unstaffed == 0


def test_late_december_and_august_are_quieter(con) -> None:
    daily = dict(
        con.execute(
            "SELECT strftime(date_performed, '%Y-%m'), sum(time_in_minutes) FILTER (billable) "
            "/ count(DISTINCT date_performed) FROM kantata_time_entries "
            "WHERE dayofweek(date_performed) BETWEEN 1 AND 5 GROUP BY 1"
        ).fetchall()
    )
    assert daily["2025-12"] < daily["2025-11"]
    assert daily["2026-08"] < daily["2026-07"]


def test_timesheets_are_mostly_approved_the_last_weeks_pending(con) -> None:
    statuses = dict(
        con.execute(
            "SELECT status, count(*) FROM kantata_timesheet_submissions GROUP BY 1"
        ).fetchall()
    )
    total = sum(statuses.values())
    assert statuses["approved"] / total > 0.9
    assert 0.005 < statuses["rejected"] / total < 0.04
    last_approved = one(
        con, "SELECT max(start_date) FROM kantata_timesheet_submissions WHERE status='approved'"
    )
    assert last_approved >= date(2026, 10, 5) - (date(2026, 10, 12) - date(2026, 10, 5))
    assert (
        one(
            con,
            "SELECT count(*) FROM kantata_timesheet_submissions WHERE start_date = '2026-10-12' "
            "AND status <> 'pending'",
        )
        == 0
    )


def test_holidays_are_the_regions_public_holidays(con) -> None:
    holidays = set(
        con.execute(
            "SELECT c.name, h.start_date, h.name FROM kantata_holidays h "
            "JOIN kantata_holiday_calendar_associations a ON a.holiday_id = h.id "
            "JOIN kantata_holiday_calendars c ON c.id = a.holiday_calendar_id"
        ).fetchall()
    )
    assert ("US Holidays", date(2025, 11, 27), "Thanksgiving") in holidays  # Thu-Fri
    assert ("US Holidays", date(2026, 7, 3), "Independence Day") in holidays  # observed
    assert ("Ireland Holidays", date(2026, 3, 17), "St Patrick's Day") in holidays
    assert ("Ireland Holidays", date(2026, 4, 6), "Easter Monday") in holidays
    assert ("Singapore Holidays", date(2026, 2, 17), "Chinese New Year") in holidays
    assert ("Singapore Holidays", date(2026, 8, 10), "National Day") in holidays  # observed
    assert all(day.weekday() < 5 for _, day, _ in holidays)


# --- the gate test's bad rows -----------------------------------------------------------


def test_orphan_time_entries_name_no_kantata_user(con, make_sandbox) -> None:
    query = (
        "SELECT count(*) FROM kantata_time_entries "
        "WHERE user_id NOT IN (SELECT id FROM kantata_users)"
    )
    assert one(con, query) == 0
    bad = duckdb.connect(str(make_sandbox(orphan_time_entries=5)), read_only=True)
    try:
        assert one(bad, query) == 5
        assert one(bad, "SELECT count(*) FROM kantata_time_entries") == (
            one(con, "SELECT count(*) FROM kantata_time_entries") + 5
        )
    finally:
        bad.close()
