"""The gate end to end: `psops refresh` (a subprocess) against the sandbox servers.

One published warehouse per module (its sandbox carries a warn-level defect, so that first
refresh also shows that a warning publishes and lands in mart_dq_results); then, for each
kind of failure, the pipeline's raw data is mutated, `psops refresh` must exit 1 naming the
check, publish must not run, and analytics.duckdb and the parquet exports must stay
byte-for-byte as they were. The raw data is restored after each case."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.test_refresh_e2e import digest, psops

pytestmark = pytest.mark.e2e

GHOST_OWNER = "005GHOST0000000AAA"


@pytest.fixture(scope="module")
def gate_sandbox(make_sandbox) -> Iterator[tuple[Path, list]]:
    """A small org whose one opportunity names an unknown owner (a warn-level check), and
    its three servers (started here, so the test can read the Jira tickets filed)."""
    from sources.sandbox.serve import start_all, stop_all

    db = make_sandbox()
    con = duckdb.connect(str(db))
    (opp,) = con.execute(
        "SELECT Id FROM salesforce_opportunity WHERE NOT IsDeleted ORDER BY Id LIMIT 1"
    ).fetchone()
    con.execute("UPDATE salesforce_opportunity SET OwnerId = ? WHERE Id = ?", [GHOST_OWNER, opp])
    con.close()
    servers = start_all(db)
    try:
        yield db, servers
    finally:
        stop_all(servers)


@pytest.fixture(scope="module")
def published(gate_sandbox, tmp_path_factory: pytest.TempPathFactory):
    from sources.sandbox.serve import environment

    _, servers = gate_sandbox
    warehouse = tmp_path_factory.mktemp("gate") / "warehouse"
    result = psops(["refresh"], environment(servers), warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    return warehouse, result


def published_state(warehouse: Path) -> dict[str, str]:
    files = [warehouse / "analytics.duckdb", *sorted((warehouse / "export").glob("*.parquet"))]
    return {p.name: digest(p) for p in files}


def test_a_warning_publishes_and_shows_in_mart_dq_results(published) -> None:
    warehouse, result = published
    assert "warning: check gx_opportunity on raw_salesforce/opportunity" in result.stdout
    con = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT check_name, asset, severity, passed, failing_count, sample "
            "FROM marts.mart_dq_results WHERE NOT passed"
        ).fetchall()
        run_ids = con.execute("SELECT DISTINCT run_id FROM marts.mart_dq_results").fetchall()
        summary = con.execute("SELECT DISTINCT check_summary FROM marts._publish_log").fetchall()
        dbt_checks = con.execute(
            "SELECT count(*) FROM marts.mart_dq_results WHERE asset NOT LIKE 'raw_%'"
        ).fetchone()[0]
    finally:
        con.close()
    assert [r[:5] for r in rows] == [
        ("gx_opportunity", "raw_salesforce/opportunity", "warn", False, 1)
    ]
    assert GHOST_OWNER in rows[0][5]
    assert len(run_ids) == 1
    assert summary[0][0].endswith(" passed, 1 warned, 0 failed")
    assert dbt_checks > 0  # the dbt tests are recorded beside the GX suites
    assert (warehouse / "export" / "mart_dq_results.parquet").exists()


def _now() -> datetime:
    """A load time (UTC, naive): a row changed "now" is one the next gate must judge (an
    incremental run's suites judge the rows loaded since they last passed)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _duplicate_an_issue_key(con: duckdb.DuckDBPyConnection) -> None:
    """Two Jira issues carrying one key (on long-unchanged issues, so an incremental load
    does not rewrite them), the second as if just loaded."""
    first, second = con.execute(
        "SELECT key FROM raw_jira.issues ORDER BY updated, id LIMIT 2"
    ).fetchall()
    con.execute(
        "UPDATE raw_jira.issues SET key = ?, _loaded_at = ? WHERE key = ?",
        [first[0], _now(), second[0]],
    )


def _orphan_time_entries(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "UPDATE raw_kantata.time_entries SET user_id = 'u-ghost', _loaded_at = ? "
        "WHERE id IN (SELECT id FROM raw_kantata.time_entries ORDER BY id LIMIT 3)",
        [_now()],
    )


def _drop_a_fifth_of_the_time_entries(con: duckdb.DuckDBPyConnection) -> None:
    # an incremental object: the next refresh asks only for changes, so the rows stay gone
    # (time off entries are re-read whole every run and would simply come back)
    con.execute("DELETE FROM raw_kantata.time_entries WHERE hash(id) % 5 = 0")


def _quarantine_3_percent_of_line_items(con: duckdb.DuckDBPyConnection) -> None:
    live = con.execute(
        "SELECT count(*) FROM raw_salesforce.opportunitylineitem WHERE NOT _deleted"
    ).fetchone()[0]
    for i in range(live * 3 // 100 + 1):
        con.execute(
            "INSERT INTO raw._quarantine BY NAME SELECT 'salesforce' AS source, "
            "'opportunitylineitem' AS object, ? AS record_id, 'TotalPrice: cannot read' AS reason, "
            "'{}'::JSON AS payload, TIMESTAMP '2026-10-14' AS quarantined_at",
            [f"00kBAD{i:06d}"],
        )


def _thirty_hours_in_one_day(con: duckdb.DuckDBPyConnection) -> None:
    """Three 10-hour entries of one person on one day: each valid on its own (the GX suite
    passes), together 30 hours in a day (a dbt error-severity test fails)."""
    con.execute(
        """INSERT INTO raw_kantata.time_entries BY NAME
        SELECT 'te-triple-' || i AS id, user_id, workspace_id, DATE '2026-10-13' AS date_performed,
               600 AS time_in_minutes, billable, rate_in_cents, notes, created_at, updated_at,
               _raw_json, _loaded_at, false AS _deleted
        FROM (SELECT * FROM raw_kantata.time_entries WHERE NOT _deleted ORDER BY id LIMIT 1),
             range(3) t(i)"""
    )


FAILURES: dict[str, tuple[Callable[[duckdb.DuckDBPyConnection], None], str, str]] = {
    "broken_key": (_duplicate_an_issue_key, "gx_issues", "key must be unique"),
    "volume_drop": (_drop_a_fifth_of_the_time_entries, "gx_time_entries", "drop limit"),
    "quarantine_share": (
        _quarantine_3_percent_of_line_items,
        "gx_opportunitylineitem",
        "above the 2 % error limit",
    ),
    "dbt_error_test": (
        _thirty_hours_in_one_day,
        "assert_a_person_day_holds_at_most_24_hours",
        "fct_utilization_daily",
    ),
}


@pytest.fixture()
def mutated(published) -> Iterator[Callable[[Callable], Path]]:
    """Mutate the pipeline's raw data; the original psops.duckdb comes back afterwards."""
    warehouse, _ = published
    pipeline = warehouse / "psops.duckdb"
    backup = warehouse.parent / "psops.backup.duckdb"
    shutil.copy2(pipeline, backup)

    def mutate(change: Callable[[duckdb.DuckDBPyConnection], None]) -> Path:
        con = duckdb.connect(str(pipeline))
        try:
            change(con)
        finally:
            con.close()
        return warehouse

    yield mutate
    shutil.copy2(backup, pipeline)
    backup.unlink()


@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_kind_of_failure_blocks_publish_and_leaves_the_published_files_untouched(
    kind: str, mutated, gate_sandbox
) -> None:
    from sources.sandbox.serve import environment

    change, check, detail = FAILURES[kind]
    warehouse = mutated(change)
    before = published_state(warehouse)

    result = psops(["refresh"], environment(gate_sandbox[1]), warehouse)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"BLOCKED by check {check}" in result.stderr
    assert detail in result.stderr
    assert "nothing was published" in result.stderr
    assert published_state(warehouse) == before
    con = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        failed = con.execute(
            "SELECT check_name FROM dq.check_results WHERE run_id = (SELECT run_id FROM "
            "dq.check_results ORDER BY checked_at DESC LIMIT 1) AND NOT passed "
            "AND severity = 'error'"
        ).fetchall()
    finally:
        con.close()
    assert (check,) in failed  # `psops checks` reads these, though nothing was published

    # nobody bypasses the gate: publishing alone audits every check's latest result
    again = psops(["refresh", "--select", "publish"], environment(gate_sandbox[1]), warehouse)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "publish refused" in again.stderr and check in again.stderr
    assert "step failed: publish: PublishRefused: publish refused" in again.stderr
    assert "Error occurred while executing" not in again.stderr  # the cause, not the wrapper
    assert published_state(warehouse) == before


def test_a_referential_break_blocks_and_files_exactly_one_jira_ticket_across_two_refreshes(
    mutated, gate_sandbox
) -> None:
    """Time entries naming an unknown user: blocked twice (the published files untouched),
    one Jira ticket for the check, updated by the second failure."""
    from sources.sandbox.serve import environment

    db, servers = gate_sandbox
    warehouse = mutated(_orphan_time_entries)
    env = dict(environment(servers), PSOPS_DQ_JIRA_PROJECT="PSOPS")
    store = servers[0].api.write_store
    before = published_state(warehouse)

    first = psops(["refresh"], env, warehouse)
    second = psops(["refresh"], env, warehouse)
    checks = psops(["checks", "--failed"], env, warehouse)

    assert (first.returncode, second.returncode) == (1, 1), first.stdout + first.stderr
    assert "BLOCKED by check gx_time_entries" in first.stderr
    assert "u-ghost" in first.stderr
    assert published_state(warehouse) == before
    tickets = [i for i in store.issues.values() if "gx_time_entries" in i.fields["summary"]]
    assert len(tickets) == 1, [i.fields["summary"] for i in store.issues.values()]
    assert len(tickets[0].comments) == 1  # the second failure updated the ticket
    assert "psops-dq-raw_kantata-time_entries-gx_time_entries" in tickets[0].fields["labels"]
    assert checks.returncode == 1
    assert "FAIL    raw_kantata/time_entries" in checks.stdout
