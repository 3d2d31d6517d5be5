"""The Jira custom field "Salesforce Opportunity ID": found by name through /field, asked
for by its id, landed as raw_jira.issues.salesforce_opportunity_id (NULL, with one warning,
on a site without it); the sandbox's pre-sales project PRESALES carries it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests

from sources.common.loader import ingest
from sources.jira import SOURCE
from sources.jira.tables import custom_field_text
from sources.sandbox import jira_api
from sources.sandbox.credentials import JIRA_API_TOKEN, JIRA_USER
from sources.sandbox.server_base import RunningServer
from tests.test_gate_suites import by_name, issue, make_db, run

PROJECTS = "PRESALES,PSOPS"  # the pre-sales requests and the internal tickets beside them


@pytest.fixture
def jira(sandbox_db: Path) -> Iterator[RunningServer]:
    """A Jira server of its own over the session's small sandbox (tests change its site)."""
    with jira_api.start(sandbox_db) as running:
        yield running


def land_issues(server: RunningServer, folder: Path, **env: str) -> duckdb.DuckDBPyConnection:
    config = SOURCE.from_env({**server.env, "JIRA_PROJECTS": PROJECTS, **env})
    con = duckdb.connect(str(folder / "psops.duckdb"))
    stream = next(s for s in SOURCE.streams(config) if s.name == "issues")
    ingest(con, stream)
    return con


def sandbox_rows(sandbox_db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(sandbox_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_presales_requests_land_their_salesforce_opportunity_id(
    jira: RunningServer, sandbox_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = sandbox_rows(
        sandbox_db,
        "SELECT key, salesforce_opportunity_id FROM jira_issues "
        "WHERE project_key IN ('PRESALES', 'PSOPS') ORDER BY key",
    )
    with caplog.at_level(logging.WARNING, logger="sources.jira"):
        con = land_issues(jira, tmp_path)
    landed = con.execute(
        "SELECT key, salesforce_opportunity_id FROM raw_jira.issues ORDER BY key"
    ).fetchall()
    assert landed == expected
    presales = [(k, v) for k, v in landed if k.startswith("PRESALES-")]
    assert len(presales) > 18  # a few requests a month for 18 months
    assert all(v is not None and len(v) == 18 and v.startswith("006") for _, v in presales)
    assert all(v is None for k, v in landed if k.startswith("PSOPS-"))
    # exactly one request names an opportunity Salesforce does not have
    unmatched = sandbox_rows(
        sandbox_db,
        "SELECT count(*) FROM jira_issues i WHERE project_key = 'PRESALES' AND NOT EXISTS "
        "(SELECT 1 FROM salesforce_opportunity o WHERE o.Id = i.salesforce_opportunity_id)",
    )
    assert unmatched == [(1,)]
    assert not [r for r in caplog.records if "custom field" in r.getMessage()]
    assert jira.contract_problems() == []


def test_a_site_without_the_field_lands_null_with_one_warning(
    jira: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jira.api.custom_fields = frozenset()  # this site never created the custom field
    with caplog.at_level(logging.WARNING, logger="sources.jira"):
        con = land_issues(jira, tmp_path, JIRA_PROJECTS="PRESALES")
    counts = con.execute(
        "SELECT count(*), count(salesforce_opportunity_id) FROM raw_jira.issues"
    ).fetchone()
    assert counts is not None and counts[0] > 18 and counts[1] == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "jira: the site has no custom field named 'Salesforce Opportunity ID' "
        "(PSOPS_JIRA_OPPORTUNITY_FIELD): salesforce_opportunity_id lands NULL"
    ]


def test_the_field_name_is_configurable(jira: RunningServer, tmp_path: Path) -> None:
    env = {"PSOPS_JIRA_OPPORTUNITY_FIELD": "salesforce opportunity id"}  # case differs
    assert (
        SOURCE.from_env({**jira.env, **env}).opportunity_field
        == env["PSOPS_JIRA_OPPORTUNITY_FIELD"]
    )
    con = land_issues(jira, tmp_path, JIRA_PROJECTS="PRESALES", **env)
    row = con.execute(
        "SELECT count(*), count(salesforce_opportunity_id) FROM raw_jira.issues"
    ).fetchone()
    assert row is not None and row[0] == row[1] > 0
    (tmp_path / "other").mkdir()
    other = land_issues(
        jira, tmp_path / "other", JIRA_PROJECTS="PRESALES", PSOPS_JIRA_OPPORTUNITY_FIELD="Deal"
    )
    landed = other.execute("SELECT count(salesforce_opportunity_id) FROM raw_jira.issues")
    assert landed.fetchone() == (0,)  # no field called "Deal" on this site


def test_jira_sends_the_custom_field_only_when_asked_for(jira: RunningServer) -> None:
    def search(fields: list[str]) -> dict:
        answer = requests.post(
            f"{jira.url}/rest/api/3/search/jql",
            json={
                "jql": 'project = "PRESALES" ORDER BY key ASC',
                "fields": fields,
                "maxResults": 1,
            },
            auth=(JIRA_USER, JIRA_API_TOKEN),
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()["issues"][0]["fields"]

    assert "customfield_10050" not in search(["summary"])
    assert search(["summary", "customfield_10050"])["customfield_10050"].startswith("006")
    fields = requests.get(
        f"{jira.url}/rest/api/3/field", auth=(JIRA_USER, JIRA_API_TOKEN), timeout=10
    ).json()
    custom = [f for f in fields if f["custom"]]
    assert [(f["id"], f["name"], f["schema"]["type"]) for f in custom] == [
        ("customfield_10050", "Salesforce Opportunity ID", "string")
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0068d000946MLQDAA4", "0068d000946MLQDAA4"),
        ("  0068d000946MLQD ", "0068d000946MLQD"),
        ("", None),
        (None, None),
        ({"self": "x", "value": "0068d000946MLQDAA4", "id": "10021"}, "0068d000946MLQDAA4"),
        ([{"value": "006A"}, {"value": "006B"}], "006A"),
        (12345, "12345"),
    ],
)
def test_a_custom_field_value_of_any_shape_becomes_text(value: object, text: str | None) -> None:
    assert custom_field_text(value) == text


def request(i: int, opportunity_id: str | None) -> dict[str, object]:
    return issue(i, "PRESALES", priority="Medium", salesforce_opportunity_id=opportunity_id)


def test_the_gate_warns_on_an_opportunity_id_that_is_not_a_salesforce_id(tmp_path: Path) -> None:
    db = make_db(
        tmp_path,
        {
            ("jira", "statuses"): [{"id": "1", "name": "To Do", "category_key": "new"}],
            ("jira", "projects"): [{"id": "1", "key": "PRESALES"}],
            ("jira", "priorities"): [{"id": "3", "name": "Medium"}],
            ("jira", "issues"): [
                request(1, "0068d000946MLQD"),  # 15 characters
                request(2, "0068d000946MLQDAA4"),  # 18 characters
                request(3, None),  # not set: not judged
                request(4, "ACME deal"),
            ],
        },
    )

    outcome = run(db, "raw_jira.issues")

    regex = by_name(outcome, "expect_column_values_to_match_regex(salesforce_opportunity_id)")
    assert (regex.passed, regex.severity, regex.unexpected_count) == (False, "warn", 1)
    assert regex.unexpected_sample == [{"id": "10004", "salesforce_opportunity_id": "ACME deal"}]
    assert outcome.errors == []


def test_the_sandbox_presales_project_is_consistent_with_salesforce(sandbox_db: Path) -> None:
    """Every request names an opportunity created before it and still open then (but the
    one typo); their outcomes and turnarounds vary; a few are unscoped; a few tickets sit
    at Lowest, a priority no SLA policy covers."""
    with duckdb.connect(str(sandbox_db), read_only=True) as con:

        def one(sql: str) -> tuple:
            row = con.execute(sql).fetchone()
            assert row is not None
            return row

        months, fewest = one(
            "SELECT count(*), min(n) FROM (SELECT date_trunc('month', created), count(*) AS n "
            "FROM jira_issues WHERE project_key = 'PRESALES' GROUP BY ALL)"
        )
        assert (months, fewest) == (19, 1)  # April 2025 .. October 2026, every month
        unmatched, won, lost, still_open, out_of_order = one(
            """
            SELECT count(*) FILTER (WHERE o.Id IS NULL),
                   count(*) FILTER (WHERE o.StageName = 'Closed Won'),
                   count(*) FILTER (WHERE o.StageName = 'Closed Lost'),
                   count(*) FILTER (WHERE NOT o.IsClosed),
                   count(*) FILTER (WHERE o.CreatedDate >= i.created
                                       OR o.CloseDate <= i.created::DATE)
            FROM jira_issues i
            LEFT JOIN salesforce_opportunity o ON o.Id = i.salesforce_opportunity_id
            WHERE i.project_key = 'PRESALES'
            """
        )
        assert unmatched == 1 and out_of_order == 0
        assert min(won, lost, still_open) >= 5
        unscoped, within_a_day, over_3_days, waited = one(
            """
            WITH r AS (
                SELECT i.id, i.created,
                       min(c.created) FILTER (WHERE c.to_string = 'Scoped') AS scoped,
                       bool_or(c.to_string = 'Waiting for customer') AS waited
                FROM jira_issues i LEFT JOIN jira_issue_changelog c ON c.issue_id = i.id
                WHERE i.project_key = 'PRESALES' GROUP BY ALL)
            SELECT count(*) FILTER (WHERE scoped IS NULL),
                   count(*) FILTER (WHERE scoped - created < INTERVAL 1 DAY),
                   count(*) FILTER (WHERE scoped - created > INTERVAL 3 DAY),
                   count(*) FILTER (WHERE waited)
            FROM r
            """
        )
        assert 1 <= unscoped <= 8 and within_a_day >= 5 and over_3_days >= 5 and waited >= 5
        assert one("SELECT count(*) FROM jira_issues WHERE priority = 'Lowest'") == (2,)
        statuses = con.execute(
            "SELECT name, category_key FROM jira_statuses WHERE id IN ('1', '10010', '10011') "
            "ORDER BY id"
        ).fetchall()
        assert statuses == [("Open", "new"), ("In Scoping", "indeterminate"),
                            ("Scoped", "indeterminate")]  # fmt: skip
