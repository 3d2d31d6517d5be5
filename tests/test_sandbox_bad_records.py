"""Bad-record injection: the listed records are served corrupted on the wire, every other
record as before."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests

from sources.kantata.extract import READS
from sources.sandbox.bad_records import LOADABLE_KINDS, QUARANTINE_KINDS
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER, KANTATA_TOKEN
from sources.sandbox.serve import environment, start_all, stop_all


@pytest.fixture(scope="module")
def bad_db(make_sandbox) -> Path:
    return make_sandbox(bad_records=True)


@pytest.fixture(scope="module")
def env(bad_db: Path) -> Iterator[dict[str, str]]:
    servers = start_all(bad_db)
    try:
        yield environment(servers)
    finally:
        stop_all(servers)


@pytest.fixture(scope="module")
def planted(bad_db: Path) -> dict[tuple[str, str, str], str]:
    """(system, table, kind) -> id, from the manifest."""
    manifest = json.loads((bad_db.parent / "manifest.json").read_text())
    return {(r["system"], r["table"], r["kind"]): r["id"] for r in manifest["bad_records"]}


def kantata_record(env: dict[str, str], obj: str, record_id: str) -> dict:
    response = requests.get(
        f"{env['KANTATA_URL']}/api/v1/{obj}.json",
        params={**READS[obj].params, "only": record_id},  # what psops asks for
        headers={"Authorization": f"Bearer {KANTATA_TOKEN}"},
        timeout=10,
    )
    return response.json()[obj][record_id]


def jira_issue(env: dict[str, str], db: Path, issue_id: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        project, key = con.execute(
            "SELECT project_key, key FROM jira_issues WHERE id = ?", [issue_id]
        ).fetchone()
    finally:
        con.close()
    basic = base64.b64encode(f"{JIRA_USER}:{JIRA_API_TOKEN}".encode()).decode()
    body: dict = {"jql": f"project = {project} ORDER BY id", "fields": ["*all"], "maxResults": 100}
    while True:
        page = requests.post(
            f"{env['JIRA_URL']}/rest/api/3/search/jql",
            json=body,
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        ).json()
        for issue in page["issues"]:
            if issue["key"] == key:
                return issue
        body["nextPageToken"] = page["nextPageToken"]


def opportunity(env: dict[str, str], opportunity_id: str) -> dict:
    soql = "SELECT Id, Name, Amount, StageName, CloseDate, Probability FROM Opportunity"
    page = requests.get(
        f"{env['SFDC_INSTANCE_URL']}/services/data/v59.0/queryAll/",
        params={"q": soql},
        headers={"Authorization": f"Bearer {env['SFDC_ACCESS_TOKEN']}"},
        verify=env["SFDC_CA_BUNDLE"],
        timeout=10,
    ).json()
    (record,) = [r for r in page["records"] if r["attributes"]["url"].endswith(opportunity_id)]
    return record


def test_the_manifest_lists_every_kind_at_least_once(planted) -> None:
    assert {kind for _, _, kind in planted} == set(QUARANTINE_KINDS) | set(LOADABLE_KINDS)
    assert {(system, table) for system, table, _ in planted} == {
        ("kantata", "time_entries"),
        ("kantata", "time_off_entries"),
        ("jira", "issues"),
        ("salesforce", "opportunity"),
    }
    assert len(planted) == 18


def test_the_bad_records_table_matches_the_manifest(bad_db: Path, planted) -> None:
    con = duckdb.connect(str(bad_db), read_only=True)
    try:
        rows = con.execute('SELECT system, "table", kind, id FROM _bad_records').fetchall()
    finally:
        con.close()
    assert {(s, t, k): i for s, t, k, i in rows} == planted


def test_kantata_time_entries_are_served_corrupted(env, planted) -> None:
    def entry(kind: str) -> dict:
        return kantata_record(env, "time_entries", planted[("kantata", "time_entries", kind)])

    assert "id" not in entry("missing_id")
    assert entry("bad_date")["date_performed"] == "2026-13-45"
    assert entry("wrong_type")["time_in_minutes"] == "ninety"
    assert entry("negative")["time_in_minutes"] == -90
    assert "user_id" not in entry("missing_required")
    assert entry("extra_field")["approval_state"] == "approved"
    missing_optional = entry("missing_optional")
    assert "notes" not in missing_optional
    assert set(missing_optional) == {
        "id",
        "user_id",
        "workspace_id",
        "date_performed",
        "time_in_minutes",
        "billable",
        "rate_in_cents",
        "created_at",
        "updated_at",
    }


def test_kantata_time_off_is_served_corrupted(env, planted) -> None:
    negative = planted[("kantata", "time_off_entries", "negative")]
    bad_date = planted[("kantata", "time_off_entries", "bad_date")]
    assert kantata_record(env, "time_off_entries", negative)["hours"] == -8.0
    assert kantata_record(env, "time_off_entries", bad_date)["requested_date"] == "next tuesday"


def test_a_jira_issue_is_served_corrupted(env, bad_db: Path, planted) -> None:
    def issue(kind: str) -> dict:
        return jira_issue(env, bad_db, planted[("jira", "issues", kind)])

    assert "id" not in issue("missing_id")
    assert issue("bad_date")["fields"]["created"] == "yesterday at noon"
    assert issue("extra_field")["fields"]["customfield_10099"] == "Tier 2"
    assert "priority" not in issue("missing_optional")["fields"]


def test_a_salesforce_opportunity_is_served_corrupted(env, planted) -> None:
    def record(kind: str) -> dict:
        return opportunity(env, planted[("salesforce", "opportunity", kind)])

    assert record("wrong_type")["Amount"] == "lots"
    assert "StageName" not in record("missing_required")
    assert record("bad_date")["CloseDate"] == "31/12/2026"
    assert record("extra_field")["Legacy_Deal_Code__c"] == "LD-0042"
    assert "Probability" not in record("missing_optional")


def test_good_records_are_served_unchanged(env, bad_db: Path, planted) -> None:
    con = duckdb.connect(str(bad_db), read_only=True)
    try:
        good = con.execute(
            "SELECT id, time_in_minutes, CAST(date_performed AS VARCHAR) FROM "
            "kantata_time_entries WHERE id NOT IN (SELECT id FROM _bad_records) "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    record = kantata_record(env, "time_entries", good[0])
    assert (record["id"], record["time_in_minutes"], record["date_performed"]) == good


def test_without_the_option_nothing_is_corrupted(sandbox_db: Path) -> None:
    manifest = json.loads((sandbox_db.parent / "manifest.json").read_text())
    assert manifest["bad_records"] == []
    con = duckdb.connect(str(sandbox_db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM _bad_records").fetchone()[0] == 0
    finally:
        con.close()
