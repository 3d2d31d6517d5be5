"""The Jira connector against the sandbox Jira Cloud server, over real HTTP on loopback,
into a real DuckDB file."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
from jira import JIRA

from sources.common.errors import SourceConfigError
from sources.common.loader import StreamResult, ingest
from sources.common.raw_tables import BadValue, typed_row
from sources.jira import SOURCE, JiraConfig
from sources.jira.extract import issues_jql
from sources.jira.tables import ISSUES
from sources.sandbox import jira_api
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER
from sources.sandbox.server_base import Response, RunningServer
from tests.helpers import make_sandbox_db

T = datetime


def _issue(id_: str, key: str, typ: str, prio: str, status: tuple[str, str, str], **kw: Any):
    row = {
        "id": id_,
        "key": key,
        "project_key": key.split("-")[0],
        "issue_type": typ,
        "priority": prio,
        "status_id": status[0],
        "status_name": status[1],
        "status_category_key": status[2],
    }
    row.update(kw)
    return row


TODO = ("1", "To Do", "new")
IN_PROGRESS = ("3", "In Progress", "indeterminate")
WAITING = ("10001", "Waiting for customer", "indeterminate")
DONE = ("5", "Done", "done")


def _change(hid: str, n: int, issue: str, author: str, at: datetime, field: str, frm, to):
    names = {s[0]: s[1] for s in (TODO, IN_PROGRESS, WAITING, DONE)}
    return {
        "id": f"{hid}-{n}",
        "history_id": hid,
        "issue_id": issue,
        "author_account_id": author,
        "created": at,
        "field": field,
        "from_id": frm,
        "from_string": names.get(frm) if field == "status" else None,
        "to_id": to,
        "to_string": names.get(to) if field == "status" else "Ana Lopez",
    }


LONG_HISTORY = [  # PSR-2: 45 status changes, more than Jira embeds in a search result
    _change(
        str(21000 + i),
        0,
        "10002",
        "acc-ben",
        T(2026, 3, 2, 15, 1) + timedelta(minutes=i),
        "status",
        *(("3", "10001") if i % 2 == 0 else ("10001", "3")),
    )
    for i in range(45)
]

DATASET: dict[str, list[dict[str, Any]]] = {
    "jira_projects": [
        {"id": "10000", "key": "PSR", "name": "PS Requests", "project_type_key": "service_desk"},
        {"id": "10001", "key": "ESC", "name": "Escalations", "project_type_key": "service_desk"},
        {"id": "10002", "key": "ENG", "name": "Enhancements", "project_type_key": "software"},
    ],
    "jira_statuses": [
        {"id": s[0], "name": s[1], "category_key": s[2]} for s in (TODO, IN_PROGRESS, WAITING, DONE)
    ],
    "jira_priorities": [
        {"id": str(n), "name": name, "description": f"{name} priority", "status_color": "#999"}
        for n, name in enumerate(("Highest", "High", "Medium", "Low", "Lowest"), start=1)
    ],
    "jira_users": [
        {
            "account_id": "acc-ana",
            "display_name": "Ana Lopez",
            "email_address": "ana.lopez@psops.example",
            "active": True,
        },
        {"account_id": "acc-ben", "display_name": "Ben Okafor", "active": True},  # e-mail hidden
        {
            "account_id": "acc-old",
            "display_name": "Old Timer",
            "email_address": "old.timer@psops.example",
            "active": False,
        },
    ],
    "jira_issues": [
        _issue(
            "10001",
            "PSR-1",
            "Scoping Request",
            "High",
            DONE,
            summary="Scope ACME rollout",
            assignee_account_id="acc-ana",
            reporter_account_id="acc-ben",
            created=T(2026, 3, 2, 14, 5, 11),
            updated=T(2026, 3, 3, 9, 0, 0, 250000),
            resolutiondate=T(2026, 3, 3, 9, 0, 0, 250000),
            salesforce_opportunity_id="006Dn000004bQzXIAU",  # customfield_10050
        ),  # fmt: skip
        _issue(
            "10002",
            "PSR-2",
            "Scoping Request",
            "Medium",
            IN_PROGRESS,
            summary="Long-running scoping",
            assignee_account_id="acc-ben",
            reporter_account_id="acc-ana",
            created=T(2026, 3, 2, 15, 0),
            updated=T(2026, 3, 4, 10, 0),
        ),  # fmt: skip
        _issue(
            "10003",
            "PSR-3",
            "Internal Request",
            "Low",
            TODO,
            summary="Laptop for new hire",
            reporter_account_id="acc-ana",
            created=T(2026, 3, 4, 8, 0),
            updated=T(2026, 3, 5, 11, 30),
        ),  # fmt: skip
        _issue(  # no creation time: fails validation, goes to quarantine
            "10005",
            "ESC-9",
            "Escalation",
            "High",
            TODO,
            summary="Broken record",
            updated=T(2026, 3, 5, 12, 0),
        ),  # fmt: skip
        _issue(
            "10004",
            "ESC-1",
            "Escalation",
            "Highest",
            WAITING,
            summary="Outage at Globex",
            assignee_account_id="acc-ana",
            reporter_account_id="acc-old",
            created=T(2026, 3, 5, 7, 0),
            updated=T(2026, 3, 6, 16, 45, 30, 125000),
        ),  # fmt: skip
    ],
    "jira_issue_changelog": [
        _change("20001", 0, "10001", "acc-ana", T(2026, 3, 2, 16), "assignee", None, "acc-ana"),
        _change("20001", 1, "10001", "acc-ana", T(2026, 3, 2, 16), "status", "1", "3"),
        _change("20002", 0, "10001", "acc-ben", T(2026, 3, 3, 9, 0, 0, 250000), "status", "3", "5"),
        *LONG_HISTORY,
        _change("22001", 0, "10004", "acc-ana", T(2026, 3, 5, 8), "status", "1", "10001"),
    ],
}

ISSUE_COLUMNS = [name for name, _ in ISSUES.columns]


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    return make_sandbox_db(tmp_path / "sandbox" / "sandbox.duckdb", DATASET)


@pytest.fixture
def server(sandbox: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    with jira_api.start(sandbox) as running:
        for key, value in running.env.items():
            monkeypatch.setenv(key, value)
        yield running


@pytest.fixture(scope="module")
def wire_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server for the wire-format tests (they only read)."""
    db = make_sandbox_db(tmp_path_factory.mktemp("wire") / "sandbox.duckdb", DATASET)
    with jira_api.start(db) as running:
        yield running


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    yield con
    con.close()


def small_pages() -> JiraConfig:
    config = SOURCE.from_env(os.environ)
    return dataclasses.replace(config, page_size=2, changelog_page_size=10, list_page_size=2)


def run_all(con: duckdb.DuckDBPyConnection, config: JiraConfig) -> dict[str, StreamResult]:
    SOURCE.check(config)
    return {stream.name: ingest(con, stream) for stream in SOURCE.streams(config)}


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def auth() -> tuple[str, str]:
    return (JIRA_USER, JIRA_API_TOKEN)


# --- the connector ------------------------------------------------------------------
def test_full_run_lands_every_table_with_typed_columns_and_raw_json(server, warehouse):
    results = run_all(warehouse, small_pages())

    projects = rows(warehouse, "SELECT id, key, name, project_type_key FROM raw_jira.projects")
    assert sorted(projects) == [
        ("10000", "PSR", "PS Requests", "service_desk"),
        ("10001", "ESC", "Escalations", "service_desk"),
        ("10002", "ENG", "Enhancements", "software"),
    ]  # fmt: skip
    assert results["projects"].tables["projects"].pages == 2
    assert rows(warehouse, "SELECT * EXCLUDE (_raw_json, _loaded_at, _deleted, _deleted_at) "
                "FROM raw_jira.statuses ORDER BY id") == [
        ("1", "To Do", "new"),
        ("10001", "Waiting for customer", "indeterminate"),
        ("3", "In Progress", "indeterminate"),
        ("5", "Done", "done"),
    ]  # fmt: skip
    assert rows(warehouse, "SELECT account_id, display_name, email_address, active "
                "FROM raw_jira.users ORDER BY account_id") == [
        ("acc-ana", "Ana Lopez", "ana.lopez@psops.example", True),
        ("acc-ben", "Ben Okafor", None, True),
        ("acc-old", "Old Timer", "old.timer@psops.example", False),
    ]  # fmt: skip
    assert rows(warehouse, "SELECT id, name FROM raw_jira.priorities ORDER BY id") == [
        ("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest"),
    ]  # fmt: skip
    assert results["priorities"].tables["priorities"].pages == 3  # 5 priorities, 2 per page
    ben = json.loads(rows(warehouse, "SELECT _raw_json FROM raw_jira.users "
                          "WHERE account_id = 'acc-ben'")[0][0])  # fmt: skip
    assert "emailAddress" not in ben and ben["displayName"] == "Ben Okafor"

    cols = ", ".join(f'"{c}"' for c in ISSUE_COLUMNS)
    assert rows(warehouse, f"SELECT {cols} FROM raw_jira.issues ORDER BY id") == [
        ("10001", "PSR-1", "PSR", "Scoping Request", "High", "5", "Done", "done",
         "Scope ACME rollout", "acc-ana", "acc-ben", T(2026, 3, 2, 14, 5, 11),
         T(2026, 3, 3, 9, 0, 0, 250000), T(2026, 3, 3, 9, 0, 0, 250000), "006Dn000004bQzXIAU"),
        ("10002", "PSR-2", "PSR", "Scoping Request", "Medium", "3", "In Progress",
         "indeterminate", "Long-running scoping", "acc-ben", "acc-ana",
         T(2026, 3, 2, 15, 0), T(2026, 3, 4, 10, 0), None, None),
        ("10003", "PSR-3", "PSR", "Internal Request", "Low", "1", "To Do", "new",
         "Laptop for new hire", None, "acc-ana", T(2026, 3, 4, 8, 0), T(2026, 3, 5, 11, 30), None,
         None),
        ("10004", "ESC-1", "ESC", "Escalation", "Highest", "10001", "Waiting for customer",
         "indeterminate", "Outage at Globex", "acc-ana", "acc-old", T(2026, 3, 5, 7, 0),
         T(2026, 3, 6, 16, 45, 30, 125000), None, None),
    ]  # fmt: skip
    raw = json.loads(
        rows(warehouse, "SELECT _raw_json FROM raw_jira.issues WHERE id = '10001'")[0][0]
    )
    assert raw["key"] == "PSR-1"
    assert raw["fields"]["created"] == "2026-03-02T14:05:11.000+0000"
    assert raw["fields"]["status"]["statusCategory"]["key"] == "done"
    assert raw["fields"]["assignee"]["emailAddress"] == "ana.lopez@psops.example"
    assert (raw["fields"]["priority"]["id"], raw["fields"]["priority"]["name"]) == ("2", "High")
    assert "changelog" not in raw  # the changelog lands in issue_changelog
    # the custom field is asked for by the id /field names, and the record says which it is
    assert raw["fields"]["customfield_10050"] == "006Dn000004bQzXIAU"
    assert raw["psopsOpportunityFieldId"] == "customfield_10050"

    issues = results["issues"]
    assert issues.tables["issues"].pages == 3  # 5 issues, 2 per page
    assert issues.tables["issues"].inserted == 4
    assert issues.tables["issues"].quarantined == 1
    assert issues.cursor_after == "2026-03-06T16:45:30.125"
    # every request and answer as Atlassian documents, but for the deliberately broken ESC-9
    assert server.contract_problems() == [
        "POST /rest/api/3/search/jql {}: issue fields.created is null but the vendor never "
        "sends null"
    ]


def test_changelog_lands_status_items_only_with_item_index_ids(server, warehouse):
    run_all(warehouse, small_pages())

    typed = "SELECT * EXCLUDE (_raw_json, _loaded_at, _deleted, _deleted_at)"
    where = "WHERE issue_id IN ('10001', '10004') ORDER BY id"
    assert rows(warehouse, f"{typed} FROM raw_jira.issue_changelog {where}") == [
        ("20001-1", "20001", "10001", "acc-ana", T(2026, 3, 2, 16), "status", "1", "To Do",
         "3", "In Progress"),
        ("20002-0", "20002", "10001", "acc-ben", T(2026, 3, 3, 9, 0, 0, 250000), "status", "3",
         "In Progress", "5", "Done"),
        ("22001-0", "22001", "10004", "acc-ana", T(2026, 3, 5, 8), "status", "1", "To Do",
         "10001", "Waiting for customer"),
    ]  # fmt: skip
    raw = json.loads(rows(warehouse, "SELECT _raw_json FROM raw_jira.issue_changelog "
                          "WHERE id = '20001-1'")[0][0])  # fmt: skip
    assert raw["issueId"] == "10001" and raw["itemIndex"] == 1
    assert [i["field"] for i in raw["history"]["items"]] == ["assignee", "status"]


def test_changelog_longer_than_the_search_embeds_is_read_from_the_issue_changelog(
    server, warehouse
):
    run_all(warehouse, small_pages())

    landed = rows(warehouse, "SELECT id, created FROM raw_jira.issue_changelog "
                  "WHERE issue_id = '10002' ORDER BY created")  # fmt: skip
    assert len(landed) == 45
    assert [r[0] for r in landed] == [f"{21000 + i}-0" for i in range(45)]
    assert landed[-1][1] == T(2026, 3, 2, 15, 45)


def test_incremental_run_reads_only_changed_issues_and_a_rerun_changes_nothing(
    sandbox, server, warehouse, monkeypatch
):
    first = run_all(warehouse, small_pages())
    assert first["issues"].cursor_after == "2026-03-06T16:45:30.125"
    server.stop()
    con = duckdb.connect(str(sandbox))
    con.execute(
        "UPDATE jira_issues SET status_id = '5', status_name = 'Done', "
        "status_category_key = 'done', updated = ?, resolutiondate = ? WHERE id = '10003'",
        [T(2026, 3, 7, 9, 15), T(2026, 3, 7, 9, 15)],
    )
    con.execute(
        "INSERT INTO jira_issue_changelog VALUES "
        "('20100-0', '20100', '10003', 'acc-ana', ?, 'status', '1', 'To Do', '5', 'Done')",
        [T(2026, 3, 7, 9, 15)],
    )
    con.execute(
        "INSERT INTO jira_issues (id, key, project_key, issue_type, priority, status_id, "
        "status_name, status_category_key, summary, reporter_account_id, created, updated) "
        "VALUES ('10006', 'ESC-2', 'ESC', 'Escalation', 'High', '1', 'To Do', 'new', "
        "'Second outage', 'acc-old', ?, ?)",
        [T(2026, 3, 7, 9, 59), T(2026, 3, 7, 10, 0)],
    )
    con.close()

    with jira_api.start(sandbox) as restarted:
        for key, value in restarted.env.items():
            monkeypatch.setenv(key, value)
        second = run_all(warehouse, small_pages())
        # JQL's minute precision: ESC-1 (the cursor's own minute) is read again
        assert second["issues"].cursor_before == "2026-03-06T16:45:30.125"
        assert second["issues"].cursor_after == "2026-03-07T10:00:00.000"
        assert second["issues"].tables["issues"].inserted == 1
        assert second["issues"].tables["issues"].updated == 2
        assert second["issues"].tables["issues"].quarantined == 0
        assert second["issues"].tables["issue_changelog"].inserted == 1
        assert rows(warehouse, "SELECT status_name, resolutiondate FROM raw_jira.issues "
                    "WHERE id = '10003'") == [("Done", T(2026, 3, 7, 9, 15))]  # fmt: skip
        assert rows(warehouse, "SELECT to_string FROM raw_jira.issue_changelog "
                    "WHERE id = '20100-0'") == [("Done",)]  # fmt: skip

        snapshot_sql = "SELECT * EXCLUDE (_loaded_at) FROM raw_jira.{} ORDER BY 1"  # noqa: S608
        before = {t: rows(warehouse, snapshot_sql.format(t)) for t in ("issues", "issue_changelog")}
        third = run_all(warehouse, small_pages())
        after = {t: rows(warehouse, snapshot_sql.format(t)) for t in ("issues", "issue_changelog")}
    assert after == before
    assert third["issues"].tables["issues"].inserted == 0
    assert third["issues"].tables["issue_changelog"].inserted == 0
    assert third["issues"].cursor_after == "2026-03-07T10:00:00.000"
    assert rows(warehouse, "SELECT count(*) FROM raw._quarantine") == [(1,)]


def test_bad_issue_goes_to_quarantine_and_the_rest_of_its_page_loads(server, warehouse):
    run_all(warehouse, small_pages())

    assert rows(warehouse, "SELECT source, object, record_id, reason FROM raw._quarantine") == [
        ("jira", "issues", "10005", "required column(s) missing: created")
    ]
    # ESC-9 shared its page with PSR-3, which loaded
    assert rows(warehouse, "SELECT key FROM raw_jira.issues WHERE id = '10003'") == [("PSR-3",)]


def test_unparseable_issue_date_is_a_bad_value():
    record = {
        "id": "1",
        "key": "X-1",
        "fields": {
            "project": {"key": "X"},
            "created": "soon",
            "updated": "2026-03-02T14:05:11.000+0000",
        },
    }
    with pytest.raises(BadValue, match="created: cannot read 'soon' as TIMESTAMP"):
        typed_row(ISSUES, record)


def test_wrong_token_makes_check_name_the_token_variable_quickly(server, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "not-the-token")
    config = SOURCE.from_env(os.environ)
    started = time.monotonic()
    with pytest.raises(SourceConfigError) as refused:
        SOURCE.check(config)
    assert time.monotonic() - started < 2
    assert refused.value.variable == "JIRA_API_TOKEN"
    assert refused.value.problem == "credentials were refused (HTTP 401)"
    assert "not-the-token" not in str(refused.value)


def test_wrong_token_during_a_stream_raises_source_config_error(server, warehouse, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "not-the-token")
    issues = [s for s in SOURCE.streams(SOURCE.from_env(os.environ)) if s.name == "issues"][0]
    with pytest.raises(SourceConfigError, match="JIRA_API_TOKEN"):
        ingest(warehouse, issues)


def test_busy_and_rate_limited_answers_are_retried(server, monkeypatch):
    answers = [
        Response(503, {"errorMessages": ["busy"], "errors": {}}),
        Response(429, {"errorMessages": ["slow down"], "errors": {}}, {"Retry-After": "1"}),
    ]
    real = server.api.myself

    def flaky(request):
        return answers.pop(0) if answers else real(request)

    routes = [(m, p, flaky if h == real else h) for m, p, h in server.api.routes]
    monkeypatch.setattr(server.api, "routes", routes)
    started = time.monotonic()
    SOURCE.check(SOURCE.from_env(os.environ))
    assert answers == []
    assert time.monotonic() - started >= 1  # Retry-After was honoured


def test_missing_variable_is_named(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIRA_URL", "http://localhost:1")
    monkeypatch.setenv("JIRA_API_TOKEN", "x")
    monkeypatch.delenv("JIRA_USER", raising=False)
    with pytest.raises(SourceConfigError) as missing:
        SOURCE.from_env(os.environ)
    assert missing.value.variable == "JIRA_USER"


def test_config_repr_hides_the_token():
    config = JiraConfig(url="https://x.atlassian.net", user="a@b.c", api_token="s3cret")
    assert "s3cret" not in repr(config)


def test_issues_jql_asks_from_the_cursor_minute_in_the_users_time_zone():
    assert issues_jql(None, "UTC") == 'updated >= "1970-01-01 00:00" ORDER BY updated ASC, key ASC'
    assert (
        issues_jql("2026-03-06T16:45:30.125", "Europe/Dublin", ("PSR", "ESC"))
        == 'project in ("PSR", "ESC") AND updated >= "2026-03-06 16:45" '
        "ORDER BY updated ASC, key ASC"
    )
    assert issues_jql("2026-07-06T16:45:30.125", "America/New_York").startswith(
        'updated >= "2026-07-06 12:45"'
    )


def test_project_filter_limits_the_issues(server, warehouse, monkeypatch):
    monkeypatch.setenv("JIRA_PROJECTS", "esc")
    config = small_pages()
    assert config.projects == ("ESC",)
    issues = [s for s in SOURCE.streams(config) if s.name == "issues"][0]
    ingest(warehouse, issues)
    assert rows(warehouse, "SELECT key FROM raw_jira.issues") == [("ESC-1",)]


# --- the sandbox server's wire format -----------------------------------------------
def test_jira_client_constructs_against_the_sandbox_as_jira_cloud(wire_server: RunningServer):
    client = JIRA(wire_server.url, basic_auth=auth())  # reads /rest/api/2/serverInfo
    assert client.deploymentType == "Cloud"
    assert client.myself()["emailAddress"] == JIRA_USER
    found = client.enhanced_search_issues(
        'project = PSR AND updated >= "2026-03-01" ORDER BY updated ASC',
        fields=["summary", "status"],
        maxResults=2,
        json_result=True,
    )  # GET with repeated fields=
    assert [i["key"] for i in found["issues"]] == ["PSR-1", "PSR-2"]
    assert sorted(found["issues"][0]["fields"]) == ["status", "summary"]
    assert found["isLast"] is False and found["nextPageToken"]


def test_search_embeds_forty_histories_and_tells_the_true_total(wire_server: RunningServer):
    body = {"jql": "project = PSR AND updated >= \"2026-03-04 10:00\"", "expand": "changelog",
            "fields": ["updated"]}  # fmt: skip
    page = requests.post(f"{wire_server.url}/rest/api/3/search/jql", json=body, auth=auth()).json()
    changelog = page["issues"][0]["changelog"]
    assert page["issues"][0]["key"] == "PSR-2"
    assert (changelog["total"], len(changelog["histories"])) == (45, 40)
    assert page["isLast"] is True and "nextPageToken" not in page
    rest = requests.get(
        f"{wire_server.url}/rest/api/3/issue/PSR-2/changelog",
        params={"startAt": 40, "maxResults": 100},
        auth=auth(),
    ).json()
    assert (rest["startAt"], rest["total"], rest["isLast"]) == (40, 45, True)
    assert [h["id"] for h in rest["values"]] == ["21040", "21041", "21042", "21043", "21044"]
    assert rest["values"][0]["items"] == [
        {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "3",
         "fromString": "In Progress", "to": "10001", "toString": "Waiting for customer"}
    ]  # fmt: skip
    assert rest["values"][0]["created"] == "2026-03-02T15:41:00.000+0000"


def test_unsupported_jql_gets_jiras_400(wire_server: RunningServer):
    answer = requests.get(
        f"{wire_server.url}/rest/api/3/search/jql",
        params={"jql": "assignee = currentUser()"},
        auth=auth(),
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["errors"] == {}
    assert body["errorMessages"][0].startswith(
        "Error in the JQL Query: the sandbox Jira does not support 'assignee = currentUser()'"
    )


def test_unbounded_jql_and_a_bad_page_token_get_400(wire_server: RunningServer):
    url = f"{wire_server.url}/rest/api/3/search/jql"
    unbounded = requests.get(url, params={"jql": "ORDER BY updated"}, auth=auth())
    assert unbounded.status_code == 400
    assert unbounded.json()["errorMessages"] == [
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    ]
    token = requests.get(url, params={"jql": "project = PSR", "nextPageToken": "x"}, auth=auth())
    assert token.status_code == 400
    assert token.json() == {
        "errorMessages": ["The provided next page token is invalid or expired."],
        "errors": {},
    }


def test_old_search_endpoint_is_gone_as_in_jira_cloud(wire_server: RunningServer):
    answer = requests.get(
        f"{wire_server.url}/rest/api/3/search", params={"jql": "project = PSR"}, auth=auth()
    )
    assert answer.status_code == 410
    assert answer.json() == {
        "errorMessages": [
            "The requested API has been removed. Please use the newer, enhanced search-based "
            "API instead. Deprecation details are available at "
            "https://developer.atlassian.com/changelog/#CHANGE-2046."
        ],
        "errors": {},
    }


def test_wrong_credentials_get_jiras_401(wire_server: RunningServer):
    answer = requests.get(f"{wire_server.url}/rest/api/3/myself", auth=(JIRA_USER, "nope"))
    assert answer.status_code == 401
    assert answer.json() == {
        "errorMessages": [
            "You are not authenticated. Authentication required to perform this operation."
        ],
        "errors": {},
    }
