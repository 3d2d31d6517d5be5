"""The administration-hygiene Jira loop against the sandbox Jira: one ticket per rule with
open findings, a comment on later refreshes, one closing comment when a rule is fixed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.alerts_admin import file_admin_findings, rule_label
from orchestration.settings import Settings

MISSING_ORG = "person_missing_org_data"
UNMATCHED = "workspace_opportunity_unmatched"


def warehouse(path: Path, rows: list[tuple[str, str, str, str, str]] | None) -> Path:
    """An analytics.duckdb whose ``marts.dq_admin_findings`` holds ``rows`` (rule, system,
    object, record_id, detail); None: no such mart."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    if rows is not None:
        con.execute(
            """CREATE TABLE marts.dq_admin_findings (finding_id VARCHAR, rule VARCHAR,
            system VARCHAR, object VARCHAR, record_id VARCHAR, detail VARCHAR,
            first_seen DATE, last_seen DATE)"""
        )
        con.executemany(
            "INSERT INTO marts.dq_admin_findings VALUES "
            "(md5(?), ?, ?, ?, ?, ?, DATE '2026-10-01', DATE '2026-10-15')",
            [("|".join(r[:4]), *r) for r in rows],
        )
    con.close()
    return path


def missing_org(n: int) -> list[tuple[str, str, str, str, str]]:
    return [
        (MISSING_ORG, "kantata", "user", f"u-{i:02d}", f"person {i} has no region")
        for i in range(1, n + 1)
    ]


UNMATCHED_ROWS = [
    (UNMATCHED, "kantata", "workspace", "ws-7", "opportunity 006X not in Salesforce"),
    (UNMATCHED, "kantata", "workspace", "ws-9", "opportunity 006Y not in Salesforce"),
]


@pytest.fixture()
def jira(sandbox_db: Path):
    from sources.sandbox import jira_api

    server = jira_api.start(sandbox_db)
    try:
        yield server
    finally:
        server.stop()


def run(jira, db: Path, day: date, project: str | None = "PSOPS") -> list[tuple[str, str, str]]:
    env = dict(jira.env)
    if project:
        env["PSOPS_ADMIN_JIRA_PROJECT"] = project
    settings = Settings.from_mapping(env)
    return file_admin_findings(db, settings.admin_alerts, settings.environ, day)


def text(adf: object) -> str:
    return json.dumps(adf)


def test_one_ticket_per_rule_then_comments_then_a_closing_comment(jira, tmp_path: Path) -> None:
    db = tmp_path / "analytics.duckdb"
    store = jira.api.write_store

    first = run(jira, warehouse(db, missing_org(12) + UNMATCHED_ROWS), date(2026, 10, 15))
    assert first == [
        ("created", "PSOPS-100001", MISSING_ORG),
        ("created", "PSOPS-100002", UNMATCHED),
    ]
    org, unmatched = store.issues["PSOPS-100001"], store.issues["PSOPS-100002"]
    assert org.fields["summary"] == f"Admin hygiene: {MISSING_ORG} has 12 open finding(s)"
    assert org.fields["labels"] == ["psops-admin", "psops-admin-person_missing_org_data"]
    assert rule_label(UNMATCHED) == "psops-admin-workspace_opportunity_unmatched"
    described = text(org.fields["description"])
    assert "12 open finding(s) as of 2026-10-15" in described
    assert "Sample (10 of 12):" in described
    assert "u-10: person 10 has no region" in described and "u-11" not in described
    assert "Records:" in text(unmatched.fields["description"])
    assert "ws-9: opportunity 006Y not in Salesforce" in text(unmatched.fields["description"])

    second = run(jira, warehouse(db, missing_org(12) + UNMATCHED_ROWS), date(2026, 10, 16))
    assert second == [
        ("updated", "PSOPS-100001", MISSING_ORG),
        ("updated", "PSOPS-100002", UNMATCHED),
    ]
    assert len(store.issues) == 2
    assert "still has 12 open finding(s)" in text(org.comments[0]["body"])
    assert "as of 2026-10-16" in text(org.comments[0]["body"])

    third = run(jira, warehouse(db, missing_org(3)), date(2026, 10, 17))  # ws-7, ws-9 fixed
    assert third == [
        ("updated", "PSOPS-100001", MISSING_ORG),
        ("closed", "PSOPS-100002", UNMATCHED),
    ]
    assert len(store.issues) == 2
    assert "still has 3 open finding(s)" in text(org.comments[1]["body"])
    assert "No findings left: rule workspace_opportunity_unmatched" in text(
        unmatched.comments[1]["body"]
    )

    fourth = run(jira, warehouse(db, missing_org(3)), date(2026, 10, 18))
    assert fourth == [("updated", "PSOPS-100001", MISSING_ORG)]  # no second closing comment
    assert len(unmatched.comments) == 2


def test_off_without_a_project_and_untouched_without_the_mart(jira, tmp_path: Path) -> None:
    db = tmp_path / "analytics.duckdb"
    assert run(jira, warehouse(db, UNMATCHED_ROWS), date(2026, 10, 15), project=None) == []
    assert jira.api.write_store.issues == {}

    run(jira, warehouse(db, UNMATCHED_ROWS), date(2026, 10, 15))
    assert run(jira, warehouse(db, None), date(2026, 10, 16)) == []  # mart not built
    [ticket] = jira.api.write_store.issues.values()
    assert ticket.comments == []


def test_a_jira_problem_is_logged_not_raised(tmp_path: Path) -> None:
    settings = Settings.from_mapping({"PSOPS_ADMIN_JIRA_PROJECT": "psops"})  # no JIRA_URL
    assert settings.admin_alerts is not None and settings.admin_alerts.project == "PSOPS"
    db = warehouse(tmp_path / "analytics.duckdb", UNMATCHED_ROWS)
    assert file_admin_findings(db, settings.admin_alerts, settings.environ, date.today()) == []


def test_the_publish_asset_runs_the_loop_after_publishing(
    jira, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring (a Dagster-launched refresh runs the same asset): the publish asset, its
    audit and file swap stubbed, files the tickets from the published file."""
    from dagster import build_asset_context

    from orchestration.defs.assets import publish as publish_module
    from orchestration.defs.resources import WarehouseResource

    warehouse(tmp_path / "analytics.duckdb", UNMATCHED_ROWS)
    monkeypatch.setattr(publish_module, "audit", lambda paths, gated: [])
    monkeypatch.setattr(publish_module, "publish_marts", lambda *args, **kwargs: {})
    monkeypatch.setattr(publish_module, "utilization_preview", lambda db: "")
    settings = Settings.from_mapping(
        {
            **jira.env,
            "PSOPS_ADMIN_JIRA_PROJECT": "PSOPS",
            "PSOPS_WAREHOUSE_DIR": str(tmp_path),
            "PSOPS_AS_OF": "2026-10-15",
        }
    )

    publish_module.publish(
        build_asset_context(),
        warehouse=WarehouseResource(directory=str(tmp_path)),
        settings=settings,
    )

    [ticket] = jira.api.write_store.issues.values()
    assert ticket.fields["labels"] == ["psops-admin", rule_label(UNMATCHED)]
    assert "2 open finding(s) as of 2026-10-15" in text(ticket.fields["description"])
