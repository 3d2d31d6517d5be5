"""``advance`` moves a sandbox forward in time: new, updated and deleted records in all
three systems, stamped inside the new days, deterministically."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import requests

from sources.sandbox import kantata_api
from sources.sandbox.advance import advance
from sources.sandbox.credentials import KANTATA_TOKEN
from sources.sandbox.schema import SYSTEMS, sandbox_table_name

DAY_START, DAY_END = datetime(2026, 10, 15), datetime(2026, 10, 16)  # the one new day


def copy_sandbox(sandbox_db: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copyfile(sandbox_db, target / "sandbox.duckdb")
    shutil.copyfile(sandbox_db.parent / "manifest.json", target / "manifest.json")
    return target


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def digest(db: Path) -> str:
    rows = []
    for system, tables in SYSTEMS.items():
        for table in tables:
            rows.append(
                query(db, f"SELECT * FROM {sandbox_table_name(system, table)} ORDER BY ALL")
            )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def advanced(sandbox_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A copy of the session sandbox (as of Thursday 2026-10-15) advanced by one day."""
    directory = copy_sandbox(sandbox_db, tmp_path_factory.mktemp("advanced") / "sandbox")
    return directory / "sandbox.duckdb", advance(directory, days=1)


def test_advance_counts_new_updated_and_deleted_records_per_table(
    sandbox_db: Path, advanced
) -> None:
    _, counts = advanced
    # every person active on 2026-10-15 and not on time off repeats last Thursday's entries
    (repeated,) = query(
        sandbox_db,
        """SELECT count(*) FROM kantata_time_entries t
           JOIN kantata_account_memberships m ON m.user_id = t.user_id
           WHERE t.date_performed = DATE '2026-10-08'
             AND (m.disabled_at IS NULL OR m.disabled_at > DATE '2026-10-15')
             AND t.user_id NOT IN (SELECT user_id FROM kantata_time_off_entries
                                   WHERE requested_date = DATE '2026-10-15')""",
    )[0]
    assert counts["kantata_time_entries"] == {"new": repeated, "updated": 3, "deleted": 2}
    assert counts["kantata_time_off_entries"] == {"new": 2, "updated": 1, "deleted": 1}
    assert counts["jira_issues"] == {"new": 2, "updated": 3, "deleted": 1}
    assert counts["jira_issue_changelog"]["new"] == 2 + 3
    assert counts["salesforce_opportunity"] == {"new": 1, "updated": 3, "deleted": 1}
    assert repeated > 50


def test_every_change_is_stamped_inside_the_new_day(sandbox_db: Path, advanced) -> None:
    db, counts = advanced
    for table, stamp in [
        ("kantata_time_entries", "updated_at"),
        ("kantata_time_off_entries", "updated_at"),
        ("jira_issues", "updated"),
        ("salesforce_opportunity", "SystemModstamp"),
    ]:
        (changed,) = query(db, f'SELECT count(*) FROM {table} WHERE "{stamp}" > ?', [DAY_START])[0]
        (inside,) = query(
            db,
            f'SELECT count(*) FROM {table} WHERE "{stamp}" > ? AND "{stamp}" < ?',
            [DAY_START, DAY_END],
        )[0]
        (before,) = query(
            sandbox_db, f'SELECT count(*) FROM {table} WHERE "{stamp}" > ?', [DAY_START]
        )[0]
        assert before == 0, table
        expected = counts[table]["new"] + counts[table]["updated"]
        if table == "salesforce_opportunity":
            expected += counts[table]["deleted"]  # a deleted opportunity is a flagged row
        assert changed == inside == expected, table


def test_kantata_and_jira_deletes_remove_rows_and_salesforce_flags_them(
    sandbox_db: Path, advanced
) -> None:
    db, counts = advanced
    for table, key in [
        ("kantata_time_entries", "id"),
        ("kantata_time_off_entries", "id"),
        ("jira_issues", "id"),
    ]:
        before = {r[0] for r in query(sandbox_db, f"SELECT {key} FROM {table}")}
        after = {r[0] for r in query(db, f"SELECT {key} FROM {table}")}
        assert len(before - after) == counts[table]["deleted"], table
    gone = before - after
    assert query(
        db, "SELECT count(*) FROM jira_issue_changelog WHERE issue_id = ?", [gone.pop()]
    ) == [(0,)]
    flagged = query(
        db,
        "SELECT Id FROM salesforce_opportunity WHERE IsDeleted AND SystemModstamp > ?",
        [DAY_START],
    )
    assert len(flagged) == counts["salesforce_opportunity"]["deleted"] == 1
    (items,) = query(
        db,
        "SELECT count(*) FROM salesforce_opportunitylineitem WHERE OpportunityId = ? AND IsDeleted",
        [flagged[0][0]],
    )[0]
    assert items == counts["salesforce_opportunitylineitem"]["deleted"]


def test_new_tickets_come_with_their_changelog(advanced) -> None:
    db, _ = advanced
    rows = query(
        db,
        """SELECT i.status_name, c.from_string, c.to_string, c.created = i.updated,
                  i.created < c.created
           FROM jira_issues i JOIN jira_issue_changelog c ON c.issue_id = i.id
           WHERE i.created > ? ORDER BY i.id""",
        [DAY_START],
    )
    assert rows == [("In Progress", "To Do", "In Progress", True, True)] * 2


def test_the_manifest_moves_to_the_new_as_of_with_new_counts(advanced) -> None:
    db, _ = advanced
    manifest = json.loads((db.parent / "manifest.json").read_text())
    assert manifest["as_of"] == "2026-10-16"
    assert manifest["advances"] == [{"from": "2026-10-15", "days": 1, "seed": 7}]
    for table, rows in manifest["counts"].items():
        assert query(db, f"SELECT count(*) FROM {table}") == [(rows,)]


def test_advancing_the_same_dataset_twice_gives_the_same_tables(
    sandbox_db: Path, advanced, tmp_path: Path
) -> None:
    db, counts = advanced
    again = copy_sandbox(sandbox_db, tmp_path / "again")
    assert advance(again, days=1) == counts
    assert digest(again / "sandbox.duckdb") == digest(db)


def test_a_restarted_server_serves_the_changes_since_the_old_as_of(advanced) -> None:
    db, counts = advanced
    server = kantata_api.start(db)
    try:
        page = requests.get(
            f"{server.url}/api/v1/time_off_entries.json",
            params={"updated_after": "2026-10-15T00:00:00Z"},
            headers={"Authorization": f"Bearer {KANTATA_TOKEN}"},
            timeout=10,
        ).json()
    finally:
        server.stop()
    assert page["count"] == counts["kantata_time_off_entries"]["new"] + 1


def test_advancing_by_less_than_a_day_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="days must be at least 1"):
        advance(tmp_path, days=0)


def test_advancing_without_a_dataset_says_to_generate_first(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="psops sandbox generate"):
        advance(tmp_path, days=1)


def test_the_advanced_days_follow_the_calendar(sandbox_db: Path, tmp_path: Path) -> None:
    directory = copy_sandbox(sandbox_db, tmp_path / "weekend")
    counts = advance(directory, days=4)  # Thu, Fri, Sat, Sun: time entries on two days
    rows = query(
        directory / "sandbox.duckdb",
        "SELECT DISTINCT date_performed FROM kantata_time_entries WHERE created_at > ? ORDER BY 1",
        [DAY_START],
    )
    assert rows == [(date(2026, 10, 15),), (date(2026, 10, 16),)]
    assert counts["jira_issues"]["new"] == 4 * 2
    assert json.loads((directory / "manifest.json").read_text())["as_of"] == "2026-10-19"
