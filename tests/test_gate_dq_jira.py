"""Check results as data (dq.check_results, `psops checks`) and the Jira loop against the
sandbox Jira (issue creation, comments and search by label)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.alerts_jira import alert_config, check_label
from orchestration.alerts_jira import file_failures as file_with
from orchestration.dq import CheckResult, check_summary, last_passed, record, run_results


def result(run_id: str, check: str, passed: bool, severity: str = "error", n: int = 0):
    return CheckResult(
        run_id=run_id,
        checked_at=datetime(2026, 10, 15, 6, int(run_id[-1])),
        check_name=check,
        asset="raw_kantata/time_entries",
        severity=severity,
        passed=passed,
        failing_count=n,
        description="" if passed else f"{n} of 100 rows failed",
        sample=json.dumps([{"id": "te-9"}] if n else []),
    )


def test_results_are_kept_per_run_and_rerecording_a_check_replaces_it(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    record(con, [result("run-1", "gx_users", True), result("run-1", "gx_time_entries", True)])
    record(con, [result("run-2", "gx_users", True)])
    record(con, [result("run-2", "gx_time_entries", False, n=3)])
    record(con, [result("run-2", "gx_time_entries", False, n=4)])  # the hook ran again

    latest = run_results(con)

    assert [(r.run_id, r.check_name, r.passed, r.failing_count) for r in latest] == [
        ("run-2", "gx_time_entries", False, 4),
        ("run-2", "gx_users", True, 0),
    ]
    assert check_summary(latest) == "1 passed, 0 warned, 1 failed"
    assert check_summary(run_results(con, "run-1")) == "2 passed, 0 warned, 0 failed"
    con.close()


def test_the_hourly_gate_starts_from_a_suites_last_pass_never_from_a_failure(
    tmp_path: Path,
) -> None:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    entries = ("gx_time_entries", "raw_kantata/time_entries")
    assert last_passed(con, *entries) is None  # no results yet: every row
    record(con, [result("run-1", "gx_time_entries", True)])
    record(con, [result("run-2", "gx_time_entries", False, n=3)])  # blocked
    record(con, [result("run-3", "gx_time_entries", False, severity="warn", n=1)])

    # run-2's and run-3's rows are judged again until the suite passes
    assert last_passed(con, *entries) == datetime(2026, 10, 15, 6, 1)
    record(con, [result("run-4", "gx_time_entries", True)])
    assert last_passed(con, *entries) == datetime(2026, 10, 15, 6, 4)
    assert last_passed(con, "gx_users", "raw_kantata/time_entries") is None
    con.close()


def test_psops_checks_prints_the_latest_results_and_exits_1_on_a_blocking_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    record(
        con,
        [
            result("run-7", "gx_users", True),
            result("run-7", "gx_time_entries", False, n=5),
            result("run-7", "gx_workspaces", False, severity="warn", n=2),
        ],
    )
    con.close()
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", str(tmp_path))

    code = cli.main(["checks"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0] == "run run-7 at 2026-10-15 06:07 UTC: 1 passed, 1 warned, 1 failed"
    assert [line.split()[:4] for line in lines[2:]] == [
        ["FAIL", "raw_kantata/time_entries", "gx_time_entries", "5"],
        ["warn", "raw_kantata/time_entries", "gx_workspaces", "2"],
        ["pass", "raw_kantata/time_entries", "gx_users", "0"],
    ]


def file_failures(results: list[CheckResult]) -> list[tuple[str, str]]:
    """What the dq hook does: the loop's config and the Jira of the environment."""
    return file_with(results, alert_config(os.environ), os.environ)


@pytest.fixture()
def jira_sandbox(sandbox_db: Path, monkeypatch: pytest.MonkeyPatch):
    from sources.sandbox import jira_api

    server = jira_api.start(sandbox_db)
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    try:
        yield server
    finally:
        server.stop()


def test_the_jira_loop_is_off_by_default(jira_sandbox, monkeypatch) -> None:
    monkeypatch.delenv("PSOPS_DQ_JIRA_PROJECT", raising=False)

    assert file_failures([result("run-1", "gx_time_entries", False, n=3)]) == []
    assert jira_sandbox.api.write_store.issues == {}


def test_a_failing_check_opens_one_ticket_and_later_failures_comment_on_it(
    jira_sandbox, monkeypatch
) -> None:
    monkeypatch.setenv("PSOPS_DQ_JIRA_PROJECT", "PSOPS")
    monkeypatch.setenv("PSOPS_DQ_JIRA_OWNERS", "kantata=ps-ops, dbt=analytics")
    failing = result("run-1", "gx_time_entries", False, n=3)

    first = file_failures([failing, result("run-1", "gx_users", True)])
    second = file_failures([result("run-2", "gx_time_entries", False, n=4)])

    assert first == [("created", "PSOPS-100001")]
    assert second == [("updated", "PSOPS-100001")]
    [ticket] = jira_sandbox.api.write_store.issues.values()
    assert ticket.fields["labels"] == [
        "psops-dq",
        "psops-dq-raw_kantata-time_entries-gx_time_entries",
        "owner-ps-ops",
    ]
    assert check_label(failing) == "psops-dq-raw_kantata-time_entries-gx_time_entries"
    assert ticket.fields["summary"] == (
        "Data-quality check failing: gx_time_entries on raw_kantata/time_entries"
    )
    assert len(ticket.comments) == 1
    comment_text = json.dumps(ticket.comments[0]["body"])
    assert "run run-2" in comment_text and "Failing rows: 4." in comment_text


def test_warnings_file_no_ticket_unless_configured(jira_sandbox, monkeypatch) -> None:
    monkeypatch.setenv("PSOPS_DQ_JIRA_PROJECT", "PSOPS")
    warning = result("run-1", "gx_workspaces", False, severity="warn", n=2)

    assert file_failures([warning]) == []
    monkeypatch.setenv("PSOPS_DQ_JIRA_SEVERITIES", "error,warn")
    assert file_failures([warning]) == [("created", "PSOPS-100001")]
