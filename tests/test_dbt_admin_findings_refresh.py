"""Hygiene findings have a memory across refreshes (DOMAIN §11): two real dbt builds on one
warehouse, a week apart. A finding still open keeps its first_seen; one fixed at the source
disappears from dq_admin_findings; a new one starts on the day it is first seen.

The rule exercised is ticket_priority_without_policy: a ticket whose priority no
sla_policies row covers (the seed covers Highest..Low, not Lowest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_helpers import make_raw_warehouse, run_dbt

pytestmark = pytest.mark.slow

SELECTION = ["--select", "+dq_admin_findings", "+mart_admin_findings_summary"]
RULE = "ticket_priority_without_policy"


def _issue(key: str, priority: str) -> dict[str, Any]:
    return {
        "id": key.split("-")[1],
        "key": key,
        "project_key": "ACME",
        "issue_type": "Escalation",
        "priority": priority,
        "status_id": "1",
        "status_name": "To Do",
        "status_category_key": "new",
        "summary": f"ticket {key}",
        "created": "2026-10-01 14:00:00",
        "updated": "2026-10-01 14:00:00",
    }


def _raw(issues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "jira.projects": [
            {
                "id": "10001",
                "key": "ACME",
                "name": "Acme rollout",
                "project_type_key": "service_desk",
            }
        ],
        "jira.statuses": [{"id": "1", "name": "To Do", "category_key": "new"}],
        "jira.issues": issues,
    }


def _build(warehouse: Path, as_of: str, tmp_path: Path) -> None:
    result = run_dbt(
        ["build", *SELECTION, "--exclude-resource-type", "test", "unit_test"],
        warehouse,
        as_of,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def _findings(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT record_id, first_seen, last_seen FROM marts.dq_admin_findings "
            "WHERE rule = ? ORDER BY record_id",
            [RULE],
        ).fetchall()
    finally:
        con.close()


def test_a_fixed_finding_disappears_and_an_open_one_keeps_its_first_seen(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "warehouse"
    db = warehouse / "psops.duckdb"
    make_raw_warehouse(
        db, _raw([_issue("ACME-1", "Lowest"), _issue("ACME-2", "Lowest"), _issue("ACME-3", "High")])
    )
    _build(warehouse, "2026-10-08", tmp_path)
    first = date(2026, 10, 8)
    assert _findings(warehouse) == [("ACME-1", first, first), ("ACME-2", first, first)]

    # at the source: ACME-1 gets a covered priority, ACME-3 loses its own
    con = duckdb.connect(str(db))
    con.execute("UPDATE raw_jira.issues SET priority = 'High' WHERE key = 'ACME-1'")
    con.execute("UPDATE raw_jira.issues SET priority = 'Lowest' WHERE key = 'ACME-3'")
    con.close()
    _build(warehouse, "2026-10-15", tmp_path)

    second = date(2026, 10, 15)
    assert _findings(warehouse) == [("ACME-2", first, second), ("ACME-3", second, second)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        summary = con.execute(
            "SELECT week_start, open_findings, new_findings FROM marts.mart_admin_findings_summary "
            "WHERE rule = ? ORDER BY week_start",
            [RULE],
        ).fetchall()
    finally:
        con.close()
    # weeks of 2026-10-05 (ACME-1, ACME-2 new) and 2026-10-12 (ACME-2, ACME-3; ACME-3 new)
    assert summary == [(date(2026, 10, 5), 2, 2), (date(2026, 10, 12), 2, 1)]
