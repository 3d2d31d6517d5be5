"""The Jira connector and the sandbox Jira held to Atlassian's REST v3 reference
(``sources/jira/contract.py``), and a site that names its priorities P1..P4: its priorities
land from ``/rest/api/3/priority/search``, its tickets pass the gate and get SLA clocks.

The site is the small sandbox organisation generated with ``jira_priorities="p1-p4"``,
served over real HTTP and read by the real connector (the ``jira`` library)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import requests

from checks.gx_runner import SUITES, run_suite
from sources.common.loader import ingest
from sources.jira import SOURCE, JiraConfig, contract
from sources.sandbox import jira_api
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER
from sources.sandbox.request_log import RequestLogEntry
from sources.sandbox.server_base import RunningServer
from tests.conftest import SANDBOX_AS_OF
from tests.dbt_helpers import make_raw_warehouse, run_dbt
from tests.test_dbt_sla import SLA_SELECTION, _sla_rows, _transition

pytestmark = pytest.mark.slow

AUTH = (JIRA_USER, JIRA_API_TOKEN)


@dataclass
class Site:
    server: RunningServer
    sandbox: Path  # the site's sandbox.duckdb (its manifest.json beside it)
    warehouse: Path
    requests: list[RequestLogEntry]  # what the full extraction sent
    problems: list[str]  # the contract departures the server logged during it


@pytest.fixture(scope="module")
def p1_p4_site(make_sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A P1..P4 Jira site, read whole by the connector into a fresh warehouse."""
    sandbox = make_sandbox(jira_priorities="p1-p4")
    warehouse = tmp_path_factory.mktemp("p1p4") / "psops.duckdb"
    with jira_api.start(sandbox) as server:
        config = JiraConfig(url=server.url, user=JIRA_USER, api_token=JIRA_API_TOKEN)
        con = duckdb.connect(str(warehouse))
        try:
            SOURCE.check(config)
            for stream in SOURCE.streams(config):
                ingest(con, stream)
        finally:
            con.close()
        site = Site(server, sandbox, warehouse, server.requests, server.contract_problems())
        server.clear_requests()
        yield site


def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- the contract itself -------------------------------------------------------------
def test_every_endpoint_cites_atlassians_rest_v3_reference() -> None:
    for endpoint in contract.ENDPOINTS:
        assert endpoint.cite.startswith(
            "https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-"
        ), endpoint.path


def test_priorities_are_listed_by_the_paged_search_not_the_unpaged_list() -> None:
    assert contract.endpoint_for("GET", "/rest/api/3/priority/search") is contract.PRIORITY_SEARCH
    assert contract.endpoint_for("GET", "/rest/api/3/priority") is None
    assert contract.endpoint_for("GET", "/rest/api/2/status") is contract.STATUSES
    assert contract.endpoint_for("GET", "/rest/api/3/issue/PSR-2/changelog") is (
        contract.ISSUE_CHANGELOG
    )


def test_an_issue_without_its_status_category_key_departs_from_the_contract() -> None:
    issue = {
        "id": "1",
        "key": "P-1",
        "fields": {
            "priority": {"id": "10000", "name": "P1"},
            "status": {"id": "3", "name": "In Progress", "statusCategory": {"id": 4}},
            "created": "2026-03-02T14:05:11.000+0000",
            "updated": "soon",
        },
    }
    assert contract.issue_problems(issue) == [
        "issue fields.updated should be datetime, got str 'soon'",
        "issue fields.status.statusCategory.key is missing",
    ]


# --- priorities from the site --------------------------------------------------------
def test_priorities_land_from_priority_search(p1_p4_site: Site) -> None:
    landed = rows(
        p1_p4_site.warehouse,
        "SELECT id, name, status_color FROM raw_jira.priorities ORDER BY id",
    )
    assert landed == [
        ("10000", "P1", "#d04437"),
        ("10001", "P2", "#f15C75"),
        ("10002", "P3", "#f79232"),
        ("10003", "P4", "#707070"),
    ]
    manifest = json.loads((p1_p4_site.sandbox.parent / "manifest.json").read_text())
    assert manifest["jira_priorities"] == "p1-p4"
    paths = {(r.method, r.path) for r in p1_p4_site.requests}
    assert ("GET", "/rest/api/3/priority/search") in paths
    assert ("GET", "/rest/api/3/priority") not in paths
    tickets = dict(rows(p1_p4_site.warehouse, "SELECT priority, count(*) FROM raw_jira.issues "
                        "GROUP BY 1"))  # fmt: skip
    assert sorted(tickets) == ["P1", "P2", "P3", "P4"]


# --- every request psops sends, every answer it gets -----------------------------------
def test_a_full_extraction_keeps_to_the_contract(p1_p4_site: Site) -> None:
    assert p1_p4_site.problems == []
    for entry in p1_p4_site.requests:
        assert entry.status == 200, (entry.method, entry.path)
        assert contract.endpoint_for(entry.method, entry.path) is not None, entry.path
    searches = [r for r in p1_p4_site.requests if r.path.endswith("/search/jql")]
    assert searches and all(r.method == "POST" for r in searches)
    assert set(searches[0].body) <= contract.SEARCH_JQL.params


def test_the_removed_search_answers_410_gone_and_is_a_contract_problem(
    p1_p4_site: Site,
) -> None:
    server = p1_p4_site.server
    server.clear_requests()
    answer = requests.get(
        f"{server.url}/rest/api/3/search", params={"jql": "project = PSOPS"}, auth=AUTH
    )
    assert answer.status_code == 410
    assert answer.json() == {"errorMessages": [contract.REMOVED_SEARCH_MESSAGE], "errors": {}}
    assert server.contract_problems() == [
        "GET /rest/api/3/search {'jql': 'project = PSOPS'}: GET /rest/api/3/search was "
        "removed from Jira Cloud (CHANGE-2046): use POST /rest/api/3/search/jql"
    ]


def test_an_undocumented_search_body_field_is_refused_with_400_and_is_a_contract_problem(
    p1_p4_site: Site,
) -> None:
    server = p1_p4_site.server
    server.clear_requests()
    body = {"jql": "project = PSOPS", "startAt": 50}  # the removed search's paging
    answer = requests.post(f"{server.url}/rest/api/3/search/jql", json=body, auth=AUTH)
    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": ['Unrecognized field "startAt".'], "errors": {}}
    assert [p for entry in server.requests for p in entry.contract_problems] == [
        "/rest/api/3/search/jql: body field 'startAt' is not documented"
    ]


def test_an_undocumented_query_parameter_is_ignored_as_jira_does_and_is_a_contract_problem(
    p1_p4_site: Site,
) -> None:
    server = p1_p4_site.server
    server.clear_requests()
    answer = requests.get(
        f"{server.url}/rest/api/3/priority/search",
        params={"maxResults": 2, "orderBy": "name"},
        auth=AUTH,
    )
    assert answer.status_code == 200
    page = answer.json()
    assert ([p["name"] for p in page["values"]], page["isLast"]) == (["P1", "P2"], False)
    assert [p for entry in server.requests for p in entry.contract_problems] == [
        "/rest/api/3/priority/search: parameter 'orderBy' is not documented"
    ]


def test_the_unpaged_priority_list_is_not_served(p1_p4_site: Site) -> None:
    server = p1_p4_site.server
    server.clear_requests()
    answer = requests.get(f"{server.url}/rest/api/3/priority", auth=AUTH)
    assert answer.status_code == 404
    assert server.contract_problems() == [
        "GET /rest/api/3/priority {}: GET /rest/api/3/priority is not a documented "
        "Jira Cloud REST resource"
    ]


# --- the gate on a P1..P4 site ---------------------------------------------------------
def test_a_p1_to_p4_sites_tickets_pass_the_gate(p1_p4_site: Site) -> None:
    con = duckdb.connect(str(p1_p4_site.warehouse), read_only=True)
    try:
        outcomes = {
            t: run_suite(con, t, SANDBOX_AS_OF) for t in SUITES if t.startswith("raw_jira.")
        }
    finally:
        con.close()
    assert sorted(outcomes) == [
        "raw_jira.issue_changelog",
        "raw_jira.issues",
        "raw_jira.priorities",
        "raw_jira.projects",
        "raw_jira.statuses",
        "raw_jira.users",
    ]
    assert {t: [e.expectation for e in o.errors] for t, o in outcomes.items()} == {
        t: [] for t in outcomes
    }
    priority = next(
        e
        for e in outcomes["raw_jira.issues"].expectations
        if e.expectation == "expect_column_values_to_be_in_set(priority)"
    )
    assert priority.passed and priority.details.startswith("all ")


def test_tickets_of_a_project_without_a_kantata_workspace_pass_gx_issues(
    p1_p4_site: Site,
) -> None:
    # nothing of Kantata is loaded: PSOPS (internal requests) and every client project
    # have no workspace here, and that is normal
    assert rows(p1_p4_site.warehouse, "SELECT count(*) FROM raw_jira.issues "
                "WHERE project_key = 'PSOPS'")[0][0] > 0  # fmt: skip
    con = duckdb.connect(str(p1_p4_site.warehouse), read_only=True)
    try:
        outcome = run_suite(con, "raw_jira.issues", SANDBOX_AS_OF)
    finally:
        con.close()
    assert [e.expectation for e in outcome.expectations if not e.passed] == []


# --- SLA clocks for P1..P4 ------------------------------------------------------------
def test_a_p1_ticket_gets_the_p1_goals_and_breaches_its_first_response(tmp_path: Path) -> None:
    """ACME-2 (AMER calendar, 09:00-17:00 America/New_York, EDT since 03-08), P1: created
    Wed 2026-03-11 14:00 EDT, In Progress 16:30 EDT, Done Thu 11:00 EDT.
    first_response (seed `*,*,P1`, goal 1 h): 14:00-16:30 = 2.5 h, breached.
    resolution (goal 8 h): Wed 14:00-17:00 (3 h) + Thu 09:00-11:00 (2 h) = 5 h, met."""
    data = _sla_rows()
    data["jira.issues"].append(
        {
            "id": "104",
            "key": "ACME-2",
            "project_key": "ACME",
            "issue_type": "Scoping Request",
            "priority": "P1",
            "status_id": "10002",
            "status_name": "Done",
            "status_category_key": "done",
            "created": datetime(2026, 3, 11, 18),
        }
    )
    data["jira.issue_changelog"] += [
        _transition(11, "104", datetime(2026, 3, 11, 20, 30), "10000", "3"),
        _transition(12, "104", datetime(2026, 3, 12, 15), "3", "10002"),
    ]
    data["jira.priorities"] = [{"id": "10000", "name": "P1"}]
    make_raw_warehouse(tmp_path / "wh" / "psops.duckdb", data)
    result = run_dbt(["build", *SLA_SELECTION], tmp_path / "wh", "2026-04-07", tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]

    clocks = rows(
        tmp_path / "wh" / "psops.duckdb",
        """
        select metric, policy_id, calendar, goal_business_hours, elapsed_business_hours,
               sla_status, stop_month
        from marts.fct_sla_clocks where issue_key = 'ACME-2' order by metric
        """,
    )
    assert clocks == [
        ("first_response", "* / * / P1 / first_response", "AMER", 1.0, 2.5, "breached",
         date(2026, 3, 1)),
        ("resolution", "* / * / P1 / resolution", "AMER", 8.0, 5.0, "met", date(2026, 3, 1)),
    ]  # fmt: skip
    assert rows(tmp_path / "wh" / "psops.duckdb",
                "select count(*) from marts.dq_tickets_without_policy") == [(0,)]  # fmt: skip


def test_records_served_corrupted_show_as_contract_problems(make_sandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(bad_records=True)
    with jira_api.start(sandbox) as server:
        config = JiraConfig(url=server.url, user=JIRA_USER, api_token=JIRA_API_TOKEN)
        con = duckdb.connect(str(tmp_path / "psops.duckdb"))
        try:
            issues = next(s for s in SOURCE.streams(config) if s.name == "issues")
            ingest(con, issues)
        finally:
            con.close()
        problems = [p for entry in server.requests for p in entry.contract_problems]
    assert "issue id is missing" in problems
    assert "issue fields.created should be datetime, got str 'yesterday at noon'" in problems
    assert len(problems) == 2  # the extra field and the dropped optional priority are fine
