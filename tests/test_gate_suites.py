"""The GX suites of every raw table: cross-system references, allowed values, ranges,
volume against the last published load and freshness against as_of."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from checks.gx_runner import SUITES, ExpectationOutcome, SuiteOutcome, run_suite
from checks.volume import record_volumes
from sources.common.loader import ensure_raw_schema
from sources.common.raw_tables import RawTable
from sources.registry import all_sources
from sources.sandbox.schema import SYSTEMS

AS_OF = date(2026, 10, 15)


def raw(system: str, name: str) -> RawTable:
    return RawTable(system, name, SYSTEMS[system][name])


def insert(con: duckdb.DuckDBPyConnection, table: RawTable, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        full = {"_raw_json": "{}", "_loaded_at": datetime(2026, 10, 14), "_deleted": False, **row}
        cols = ", ".join(f'"{c}"' for c in full)
        con.execute(
            f"INSERT INTO {table.qualified_name} ({cols}) VALUES ({', '.join('?' for _ in full)})",
            list(full.values()),
        )


def make_db(tmp_path: Path, data: dict[tuple[str, str], list[dict[str, Any]]]) -> Path:
    path = tmp_path / "psops.duckdb"
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con, [raw(*key) for key in data])
        for key, rows in data.items():
            insert(con, raw(*key), rows)
    finally:
        con.close()
    return path


def run(path: Path, table: str) -> SuiteOutcome:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return run_suite(con, table, AS_OF)
    finally:
        con.close()


def by_name(outcome: SuiteOutcome, expectation: str) -> ExpectationOutcome:
    return next(e for e in outcome.expectations if e.expectation == expectation)


def test_every_raw_table_of_every_source_has_a_suite_that_checks_its_key() -> None:
    raw_tables = {t.qualified_name: t for s in all_sources() for t in s.tables}

    assert sorted(SUITES) == sorted(raw_tables)
    for name, suite in SUITES.items():
        assert suite.key == raw_tables[name].primary_key
        assert [e.expectation for e in suite.expectations[:2]] == [
            "expect_column_values_to_be_unique",
            "expect_column_values_to_not_be_null",
        ]


def test_a_custom_field_value_or_choice_of_an_unknown_custom_field_is_an_error(
    tmp_path: Path,
) -> None:
    db = make_db(
        tmp_path,
        {
            ("kantata", "custom_fields"): [{"id": "30", "subject_type": "User"}],
            ("kantata", "custom_field_values"): [
                {"id": "1", "subject_type": "User", "custom_field_id": "30", "value": "33"},
                {"id": "2", "subject_type": "User", "custom_field_id": "99", "value": "x"},
            ],
            ("kantata", "custom_field_choices"): [
                {"id": "33", "custom_field_id": "30", "label": "EMEA"},
                {"id": "34", "custom_field_id": "98", "label": "Mars"},
            ],
        },
    )

    values = run(db, "raw_kantata.custom_field_values")
    choices = run(db, "raw_kantata.custom_field_choices")

    known = "expect_column_values_to_be_in_set(custom_field_id)"
    assert by_name(values, known).unexpected_sample == [{"id": "2", "custom_field_id": "99"}]
    assert by_name(choices, known).unexpected_sample == [{"id": "34", "custom_field_id": "98"}]
    assert (values.passed, choices.passed) == (False, False)


def test_a_holiday_association_to_an_unknown_calendar_is_an_error(tmp_path: Path) -> None:
    db = make_db(
        tmp_path,
        {
            ("kantata", "holidays"): [{"id": "52", "start_date": date(2026, 12, 25)}],
            ("kantata", "holiday_calendars"): [{"id": "50", "name": "EMEA"}],
            ("kantata", "holiday_calendar_associations"): [
                {"id": "1", "holiday_id": "52", "holiday_calendar_id": "50"},
                {"id": "2", "holiday_id": "52", "holiday_calendar_id": "51"},
            ],
        },
    )

    outcome = run(db, "raw_kantata.holiday_calendar_associations")

    calendar = by_name(outcome, "expect_column_values_to_be_in_set(holiday_calendar_id)")
    assert (calendar.passed, calendar.unexpected_count) == (False, 1)
    assert by_name(outcome, "expect_column_values_to_be_in_set(holiday_id)").passed


def test_any_workspace_status_the_tenant_configured_passes_and_a_missing_one_warns(
    tmp_path: Path,
) -> None:
    db = make_db(
        tmp_path,
        {
            ("kantata", "workspaces"): [
                {"id": "10", "status_key": "310", "status_message": "Delivering (custom)"},
                {"id": "11", "status_key": None},
            ]
        },
    )

    outcome = run(db, "raw_kantata.workspaces")

    status = by_name(outcome, "expect_column_values_to_not_be_null(status_key)")
    assert (status.passed, status.severity, status.unexpected_count) == (False, "warn", 1)


def issue(i: int, project: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": str(10000 + i),
        "key": f"{project}-{i}",
        "project_key": project,
        "issue_type": "Escalation",
        "priority": "High",
        "status_id": "1",
        "status_category_key": "new",
        "created": datetime(2026, 10, 1, 9),
        "updated": datetime(2026, 10, 14, 9),
    }
    return {**row, **overrides}


def test_a_ticket_in_a_project_without_a_workspace_passes_and_priorities_come_from_data(
    tmp_path: Path,
) -> None:
    db = make_db(
        tmp_path,
        {
            ("jira", "statuses"): [{"id": "1", "name": "To Do", "category_key": "new"}],
            ("jira", "projects"): [{"id": "1", "key": "ACME"}, {"id": "2", "key": "SUPPORT"}],
            ("jira", "priorities"): [{"id": "10000", "name": "P1"}],  # no Kantata loaded
            ("jira", "issues"): [
                issue(1, "ACME"),  # High: named by the sla_policies seed
                issue(2, "SUPPORT", priority="P1"),  # no workspace; the site's own priority
                issue(3, "GHOST"),  # a project Jira does not list: a warning
                issue(4, "ACME", priority="Urgent"),  # neither the site's nor the seed's
            ],
        },
    )

    outcome = run(db, "raw_jira.issues")

    project = by_name(outcome, "expect_column_values_to_be_in_set(project_key: project)")
    assert (project.passed, project.severity, project.unexpected_count) == (False, "warn", 1)
    assert project.unexpected_sample == [{"id": "10003", "project_key": "GHOST"}]
    priority = by_name(outcome, "expect_column_values_to_be_in_set(priority)")
    assert (priority.passed, priority.severity, priority.unexpected_count) == (False, "error", 1)
    assert priority.unexpected_sample == [{"id": "10004", "priority": "Urgent"}]
    assert [e.expectation for e in outcome.errors] == [
        "expect_column_values_to_be_in_set(priority)"
    ]


def opportunity(i: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "Id": f"006{i}",
        "AccountId": "001A",
        "OwnerId": "005A",
        "StageName": "Proposal",
        "Probability": 50.0,
        "Amount": 1000.0,
        "CloseDate": date(2026, 11, 30),
        "ForecastCategoryName": "Best Case",
        "SystemModstamp": datetime(2026, 10, 14, 8),
    }
    return {**row, **overrides}


def test_probability_above_100_is_an_error_and_a_stage_outside_the_seed_a_warning(
    tmp_path: Path,
) -> None:
    """Stage names are the org's own picklist: one the stage_probabilities seed does not
    name is shown (its Probability field still weights it), never a block."""
    db = make_db(
        tmp_path,
        {
            ("salesforce", "account"): [{"Id": "001A", "Region__c": "AMER"}],
            ("salesforce", "user"): [{"Id": "005A", "Email": "a@example.com"}],
            ("salesforce", "opportunity"): [
                opportunity(1),
                opportunity(2, Probability=150.0),
                opportunity(3, StageName="Won-ish"),
            ],
        },
    )

    outcome = run(db, "raw_salesforce.opportunity")

    assert [(e.expectation, e.unexpected_count) for e in outcome.errors] == [
        ("expect_column_values_to_be_between(Probability)", 1),
    ]
    stage = by_name(outcome, "expect_column_values_to_be_in_set(StageName)")
    assert (stage.passed, stage.severity, stage.unexpected_count) == (False, "warn", 1)
    assert by_name(outcome, "expect_column_max_to_be_between(SystemModstamp)").passed


def users(n: int) -> list[dict[str, Any]]:
    return [{"id": f"u-{i}", "email_address": f"u{i}@example.com"} for i in range(n)]


def test_volume_drop_above_10_percent_is_an_error_and_a_rise_above_50_percent_warns(
    tmp_path: Path,
) -> None:
    db = make_db(tmp_path, {("kantata", "users"): users(85)})
    con = duckdb.connect(str(db))
    record_volumes(con, {"raw_kantata.users": 100}, "run-before", datetime(2026, 10, 14))
    con.close()

    dropped = by_name(run(db, "raw_kantata.users"), "row_count_vs_previous_load")

    assert (dropped.passed, dropped.severity, dropped.unexpected_count) == (False, "error", 15)
    assert dropped.details == (
        "85 rows against 100 at the last published load (run run-befo): 15 % fewer, "
        "above the 10 % drop limit"
    )
    con = duckdb.connect(str(db))
    record_volumes(con, {"raw_kantata.users": 50}, "run-later", datetime(2026, 10, 15))
    con.close()
    risen = by_name(run(db, "raw_kantata.users"), "row_count_vs_previous_load")
    assert (risen.passed, risen.severity, risen.unexpected_count) == (False, "warn", 35)


def test_no_previous_load_passes_the_volume_check(tmp_path: Path) -> None:
    outcome = run(make_db(tmp_path, {("kantata", "users"): users(3)}), "raw_kantata.users")

    volume = by_name(outcome, "row_count_vs_previous_load")
    assert (volume.passed, volume.details) == (True, "3 rows; no previous load to compare")


def test_a_source_silent_for_more_than_7_days_warns_on_freshness(tmp_path: Path) -> None:
    db = make_db(
        tmp_path,
        {
            ("jira", "statuses"): [{"id": "1", "name": "To Do", "category_key": "new"}],
            ("jira", "issues"): [issue(1, "PSOPS", updated=datetime(2026, 10, 7, 23))],
        },
    )

    outcome = run(db, "raw_jira.issues")

    fresh = by_name(outcome, "expect_column_max_to_be_between(updated)")
    assert (fresh.passed, fresh.severity) == (False, "warn")
    assert fresh.unexpected_sample == [{"updated": "2026-10-07 23:00:00"}]
    assert outcome.passed is True


# --- the hourly gate: what changed since a suite last passed --------------------------------

SINCE = datetime(2026, 10, 15, 6)  # the suite last passed at 06:00; rows loaded before it
LATER = datetime(2026, 10, 15, 7)  # were judged then, rows loaded at 07:00 were not


def run_since(path: Path, table: str, since: datetime | None) -> SuiteOutcome:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return run_suite(con, table, AS_OF, loaded_since=since)
    finally:
        con.close()


def opportunities_loaded_in_two_runs(tmp_path: Path) -> Path:
    old = [
        opportunity(1),
        opportunity(2, Probability=150.0),  # bad, but judged (and failed) before 06:00
        opportunity(3, SystemModstamp=datetime(2026, 10, 15, 5)),  # the newest, old load
    ]
    new = [
        opportunity(4, _loaded_at=LATER),
        opportunity(5, Probability=-5.0, _loaded_at=LATER),  # bad, new
    ]
    return make_db(
        tmp_path,
        {
            ("salesforce", "account"): [{"Id": "001A", "Region__c": "AMER"}],
            ("salesforce", "user"): [{"Id": "005A", "Email": "a@example.com"}],
            ("salesforce", "opportunity"): old + new,
        },
    )


def test_the_hourly_gate_judges_the_rows_loaded_since_the_suite_last_passed(
    tmp_path: Path,
) -> None:
    db = opportunities_loaded_in_two_runs(tmp_path)

    full = run_since(db, "raw_salesforce.opportunity", None)
    hourly = run_since(db, "raw_salesforce.opportunity", SINCE)

    probability = "expect_column_values_to_be_between(Probability)"
    assert by_name(full, probability).unexpected_count == 2  # 006 2 and 006 5
    assert by_name(full, probability).details == (
        '2 of 5 rows failed "Probability must be 0–100 (%)"'
    )
    # the 07:00 rows, and the row holding the newest SystemModstamp (the freshness rule)
    assert by_name(hourly, probability).unexpected_sample == [{"Id": "0065", "Probability": -5.0}]
    assert by_name(hourly, probability).details == (
        '1 of 3 rows failed "Probability must be 0–100 (%)"'
    )
    fresh = by_name(hourly, "expect_column_max_to_be_between(SystemModstamp)")
    assert fresh.details.startswith("observed 2026-10-15 05:00:00: meets")
    assert hourly.row_count == full.row_count == 5  # volume and quarantine: every live row
    assert (
        hourly.summary()
        .splitlines()[0]
        .endswith(
            "on 5 rows (row rules on 3 rows: loaded since 2026-10-15 06:00:00 UTC, or sharing a "
            "unique value)"
        )
    )


def test_a_new_row_repeating_an_older_rows_unique_value_fails_with_both(tmp_path: Path) -> None:
    projects = [
        {"id": "1", "key": "PSOPS", "name": "PS Ops"},
        {"id": "2", "key": "ACME", "name": "Acme rollout"},
        {"id": "3", "key": "GLOBX", "name": "Globex", "_loaded_at": LATER},
        {"id": "4", "key": "ACME", "name": "Acme phase 2", "_loaded_at": LATER},
    ]
    db = make_db(tmp_path, {("jira", "projects"): projects})

    outcome = run_since(db, "raw_jira.projects", SINCE)

    key = by_name(outcome, "expect_column_values_to_be_unique(key)")
    assert (key.passed, key.unexpected_count) == (False, 2)  # the new ACME and the old one
    assert key.unexpected_sample == [{"id": "2", "key": "ACME"}, {"id": "4", "key": "ACME"}]
    assert key.details == '2 of 3 rows failed "key must be unique"'  # 3, 4 and the old ACME


def test_nothing_loaded_since_judges_no_row_but_still_the_newest_value(tmp_path: Path) -> None:
    db = make_db(tmp_path, {("jira", "projects"): [{"id": "1", "key": "PSOPS", "name": "P"}]})

    outcome = run_since(db, "raw_jira.projects", SINCE)

    assert outcome.passed and outcome.row_count == 1
    assert by_name(outcome, "expect_column_values_to_not_be_null(key)").details == (
        'all 0 rows meet "key must be set"'
    )


def test_a_reference_set_is_cut_to_the_values_the_rows_hold_without_changing_a_verdict() -> None:
    import pandas as pd

    from checks.gx_runner import _values_present

    rows = pd.Series(["i-2", None, "i-9"])  # i-9 is unknown either way
    assert _values_present(["i-1", "i-2", "i-3"], rows) == ["i-2"]
    assert _values_present([1, 2, 3], pd.Series([2])) == [1, 2, 3]  # not text: as given
