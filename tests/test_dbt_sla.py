"""SLA clocks end to end: the real dbt project (staging -> fct_sla_clocks ->
mart_sla_attainment_monthly, dq_tickets_without_policy, with their data and unit tests)
on a tiny hand-built Jira dataset with exact hand-computed business hours, and on the
small sandbox organisation as a reconciliation.

The hand-built dataset (as of Tue 2026-04-07, i.e. 2026-04-07 00:00 UTC), with the
project's seeds sla_policies.csv and business_calendars.csv:

- ACME-1 (project ACME, engagement of an AMER account -> calendar AMER, 09:00-17:00
  America/New_York; High): created Fri 2026-03-06 16:00 EST (21:00 UTC), In Progress
  Mon 2026-03-09 09:30 EDT (13:30 UTC; DST began Sun 03-08), Done Mon 10:00 EDT (14:00 UTC).
  first_response (goal 4 h) = Fri 16:00-17:00 (1 h) + Mon 09:00-09:30 (0.5 h) = 1.5 h, met.
  resolution (goal 24 h) = 1 h + Mon 09:00-10:00 (1 h) = 2 h, met. Both count in March.
- SGP-1 (project SGP, engagement of an APAC account -> calendar APAC, 09:00-17:00
  Asia/Singapore = 01:00-09:00 UTC; Escalation, Medium): created Thu 2026-04-02 16:00
  SGT (08:00 UTC), In Progress Mon 2026-04-06 10:00 SGT (02:00 UTC), still open.
  Good Friday 04-03 is a "Singapore Holidays" holiday. first_response: the policy
  `*,Escalation,Medium` (4 h) beats `*,*,Medium` (8 h); Thu 16:00-17:00 (1 h) + Mon
  09:00-10:00 (1 h) = 2 h, met in April. resolution (goal 40 h) runs to the as-of date:
  Thu 1 h + Mon 8 h = 9 h, running (not counted in attainment).
- SW-1 is in a software project: not a ticket in scope.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import SANDBOX_AS_OF
from tests.dbt_helpers import make_raw_warehouse, raw_warehouse_from_sandbox, run_dbt

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

AS_OF = "2026-04-07"
SLA_SELECTION = [
    "--select",
    "+fct_sla_clocks",
    "+mart_sla_attainment_monthly",
    "+dq_tickets_without_policy",
    "assert_every_ticket_in_scope_has_one_clock_per_metric",
    "--indirect-selection",
    "cautious",
]
STATUSES = {
    "10000": ("To Do", "new"),
    "3": ("In Progress", "indeterminate"),
    "10002": ("Done", "done"),
}


def _transition(n: int, issue_id: str, at: datetime, frm: str, to: str) -> dict[str, Any]:
    return {
        "id": f"{n}-0",
        "history_id": str(n),
        "issue_id": issue_id,
        "created": at,
        "field": "status",
        "from_id": frm,
        "from_string": STATUSES[frm][0],
        "to_id": to,
        "to_string": STATUSES[to][0],
    }


def _issue(
    issue_id: str, key: str, itype: str, priority: str, status: str, created: datetime
) -> dict[str, Any]:
    return {
        "id": issue_id,
        "key": key,
        "project_key": key.split("-")[0],
        "issue_type": itype,
        "priority": priority,
        "status_id": status,
        "status_name": STATUSES[status][0],
        "status_category_key": STATUSES[status][1],
        "created": created,
    }


def _engagement(wid: str, project: str, opportunity: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{wid}-{n}",
            "subject_type": "Workspace",
            "subject_id": wid,
            "custom_field_id": field,
            "value": value,
        }
        for n, (field, value) in enumerate((("cf6", project), ("cf5", opportunity)))
    ]


def _sla_rows() -> dict[str, list[dict[str, Any]]]:
    d = datetime
    return {
        "jira.statuses": [
            {"id": sid, "name": name, "category_key": cat} for sid, (name, cat) in STATUSES.items()
        ],
        "jira.projects": [
            {"id": "1", "key": "ACME", "name": "Acme", "project_type_key": "service_desk"},
            {"id": "2", "key": "SGP", "name": "Sing", "project_type_key": "service_desk"},
            {"id": "3", "key": "SW", "name": "Software", "project_type_key": "software"},
        ],
        "jira.issues": [
            _issue("101", "ACME-1", "Scoping Request", "High", "10002", d(2026, 3, 6, 21)),
            _issue("102", "SGP-1", "Escalation", "Medium", "3", d(2026, 4, 2, 8)),
            _issue("103", "SW-1", "Escalation", "Low", "10000", d(2026, 4, 1, 8)),
        ],
        "jira.issue_changelog": [
            _transition(1, "101", d(2026, 3, 9, 13, 30), "10000", "3"),
            _transition(2, "101", d(2026, 3, 9, 14), "3", "10002"),
            _transition(3, "102", d(2026, 4, 6, 2), "10000", "3"),
        ],
        "kantata.workspaces": [{"id": "w1", "title": "Acme"}, {"id": "w2", "title": "Sing"}],
        "kantata.custom_fields": [
            {"id": "cf5", "name": "Salesforce Opportunity ID", "subject_type": "Workspace"},
            {"id": "cf6", "name": "Jira Project Key", "subject_type": "Workspace"},
        ],
        "kantata.custom_field_values": _engagement("w1", "ACME", "o1")
        + _engagement("w2", "SGP", "o2"),
        "kantata.holiday_calendars": [{"id": "hc3", "name": "Singapore Holidays"}],
        "kantata.holidays": [
            {
                "id": "h1",
                "name": "Good Friday",
                "start_date": date(2026, 4, 3),
                "end_date": date(2026, 4, 3),
                "paid": True,
            }
        ],
        "kantata.holiday_calendar_associations": [
            {"id": "a1", "holiday_id": "h1", "holiday_calendar_id": "hc3"}
        ],
        "salesforce.opportunity": [
            {"Id": "o1", "AccountId": "a1", "IsDeleted": False},
            {"Id": "o2", "AccountId": "a2", "IsDeleted": False},
        ],
        "salesforce.account": [
            {"Id": "a1", "Name": "Acme", "Region__c": "AMER", "IsDeleted": False},
            {"Id": "a2", "Name": "Sing", "Region__c": "APAC", "IsDeleted": False},
        ],
    }


def _build(
    warehouse: Path, as_of: str, work_dir: Path, pg_server_dsn: str | None = None
) -> duckdb.DuckDBPyConnection:
    result = run_dbt(
        ["build", *SLA_SELECTION], warehouse, as_of, work_dir, pg_server_dsn=pg_server_dsn
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def sla_warehouse(
    tmp_path_factory: pytest.TempPathFactory, dbt_engine: str | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixtures built by dbt on DuckDB, then on PostgreSQL (``dbt_engine``)."""
    root = tmp_path_factory.mktemp("sla")
    make_raw_warehouse(root / "wh" / "psops.duckdb", _sla_rows())
    con = _build(root / "wh", AS_OF, root, dbt_engine)
    yield con
    con.close()


def test_clocks_count_business_hours_in_each_calendars_own_time_zone(
    sla_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    rows = sla_warehouse.execute(
        """
        select issue_key, metric, policy_id, calendar, goal_business_hours,
               elapsed_business_hours, paused_business_hours, is_running, sla_status,
               stop_month
        from marts.fct_sla_clocks order by issue_key, metric
        """
    ).fetchall()
    assert rows == [
        ("ACME-1", "first_response", "* / * / High / first_response", "AMER", 4.0, 1.5, 0.0,
         False, "met", date(2026, 3, 1)),
        ("ACME-1", "resolution", "* / * / High / resolution", "AMER", 24.0, 2.0, 0.0,
         False, "met", date(2026, 3, 1)),
        ("SGP-1", "first_response", "* / Escalation / Medium / first_response", "APAC", 4.0,
         2.0, 0.0, False, "met", date(2026, 4, 1)),
        ("SGP-1", "resolution", "* / * / Medium / resolution", "APAC", 40.0, 9.0, 0.0,
         True, "running", None),
    ]  # fmt: skip


def test_attainment_counts_decided_clocks_by_stop_month(
    sla_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    rows = sla_warehouse.execute(
        """
        select month_start, project_key, priority, metric, met_count, breached_count,
               sla_attainment
        from marts.mart_sla_attainment_monthly order by month_start, project_key, metric
        """
    ).fetchall()
    assert rows == [
        (date(2026, 3, 1), "ACME", "High", "first_response", 1, 0, 1.0),
        (date(2026, 3, 1), "ACME", "High", "resolution", 1, 0, 1.0),
        (date(2026, 4, 1), "SGP", "Medium", "first_response", 1, 0, 1.0),
    ]
    assert sla_warehouse.execute(
        "select count(*) from marts.dq_tickets_without_policy"
    ).fetchall() == [(0,)]


def test_sandbox_has_one_clock_or_dq_row_per_ticket_and_metric_and_breaches_sit_in_medium_low(
    sandbox_db: Path, tmp_path: Path
) -> None:
    raw_warehouse_from_sandbox(sandbox_db, tmp_path / "wh" / "psops.duckdb")
    con = _build(tmp_path / "wh", SANDBOX_AS_OF.isoformat(), tmp_path)
    try:
        tickets = con.execute(
            """
            select count(*) from staging.stg_jira__issues i
            join staging.stg_jira__projects p using (project_key)
            where p.is_service_project and i.created_at < timestamp '2026-10-15'
            """
        ).fetchall()[0][0]
        clocks, without_policy = con.execute(
            """
            select (select count(*) from marts.fct_sla_clocks),
                   (select count(*) from marts.dq_tickets_without_policy)
            """
        ).fetchall()[0]
        breaches = dict(
            con.execute(
                """
                select priority, count(*) from marts.fct_sla_clocks
                where sla_status = 'breached' group by priority
                """
            ).fetchall()
        )
        status_counts = con.execute(
            "select metric, sla_status, count(*) from marts.fct_sla_clocks "
            "group by all order by all"
        ).fetchall()
    finally:
        con.close()
    log.info("tickets %d, clocks %d, without policy %d", tickets, clocks, without_policy)
    log.info("breached clocks by priority: %s", breaches)
    log.info("clocks by metric and status: %s", status_counts)
    assert tickets > 1000
    assert clocks + without_policy == 2 * tickets
    assert without_policy < 0.05 * clocks
    medium_low = breaches.get("Medium", 0) + breaches.get("Low", 0)
    assert medium_low > 0.8 * sum(breaches.values())
