"""End to end, over real HTTP: the real connectors against the sandbox servers, the GX
gate, a real dbt build and the publish step, driven through the `psops` command line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.assets.dbt import dbt_manifest_json
from tests.conftest import REPO_ROOT, SANDBOX_AS_OF

pytestmark = pytest.mark.e2e

PSOPS = [sys.executable, "-m", "orchestration.cli"]


def psops_env(env: dict[str, str], warehouse: Path) -> dict[str, str]:
    """This process's environment without any connector or psops setting, then ``env`` (the
    sandbox's variables), the warehouse and the sandbox's as-of date."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIRA_", "SFDC_", "KANTATA_", "PSOPS_"))
    }
    full_env.update(env)
    full_env["PSOPS_WAREHOUSE_DIR"] = str(warehouse)
    full_env["PSOPS_AS_OF"] = SANDBOX_AS_OF.isoformat()
    return full_env


def psops(args: list[str], env: dict[str, str], warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        PSOPS + args,
        env=psops_env(env, warehouse),
        cwd=warehouse.parent,
        capture_output=True,
        text=True,
        timeout=900,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_snapshot(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name LIKE 'raw_%' ORDER BY 1"
        ).fetchall()
        return {
            t: con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM {t} ORDER BY 1").fetchall()
            for (t,) in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(sandbox_servers, sandbox_env: dict[str, str], tmp_path_factory):
    """A first refresh from an empty warehouse; the servers' request logs hold exactly
    what this refresh asked."""
    warehouse = tmp_path_factory.mktemp("e2e") / "warehouse"
    for server in sandbox_servers:
        server.clear_requests()
    result = psops(["refresh"], sandbox_env, warehouse)
    requests = {server.api.name: server.requests for server in sandbox_servers}
    return warehouse, result, requests


def test_refresh_publishes_the_marts(published) -> None:
    warehouse, result, _ = published
    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        weekly = con.execute("SELECT count(*) FROM marts.mart_utilization_weekly").fetchone()[0]
        assert weekly > 0
        logged = dict(con.execute("SELECT mart, row_count FROM marts._publish_log").fetchall())
        assert logged["mart_utilization_weekly"] == weekly
    finally:
        con.close()
    assert (warehouse / "export" / "mart_utilization_weekly.parquet").exists()
    assert not list(warehouse.glob(".analytics.*")), "no staging file is left behind"


def test_each_table_dbt_built_recorded_its_row_count(published) -> None:
    """The row counts the refresh's Dagster events carry (dbt's record_row_count post-hook,
    orchestration/defs/assets/dbt.py) are each table's rows as built: every model, seed
    and snapshot that is a table, no view."""
    warehouse, result, _ = published
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = dbt_manifest_json()  # the project's (a refresh writes none: --no-write-json)
    counted = {p.stem: int(p.read_text()) for p in (warehouse / ".dbt" / "row_counts").iterdir()}
    nodes = manifest["nodes"].values()
    tables = {
        n["unique_id"]: n["relation_name"]
        for n in nodes
        if n["resource_type"] in ("model", "seed", "snapshot")
        and n["config"]["materialized"] != "view"
    }
    assert set(counted) == set(tables)
    con = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        built = {
            u: con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for u, r in tables.items()
        }
    finally:
        con.close()
    assert counted == built
    assert counted["model.psops.fct_time_entries"] > 0


def test_every_request_and_answer_follows_the_vendor_contract(published) -> None:
    """Every request the connectors sent in a whole refresh is one the vendor documents
    (parameters, required parameters, sorts, SOQL fields), and every record the sandbox
    answered validates against the vendor's contract (``sources/<system>/contract.py``)."""
    _, result, requests = published
    assert result.returncode == 0, result.stdout + result.stderr
    for system, entries in requests.items():
        assert entries, f"{system}: no request reached the sandbox"
        problems = [
            f"{e.method} {e.path} {e.query}: {problem}"
            for e in entries
            for problem in e.contract_problems
        ]
        assert problems == [], f"{system}: {len(problems)} departures, e.g. {problems[:5]}"
        refused = [e for e in entries if e.status is not None and 400 <= e.status < 500]
        assert refused == [], f"{system}: requests the vendor would refuse: {refused[:5]}"


def test_every_sandbox_record_lands_in_raw(published, sandbox_db: Path) -> None:
    warehouse, _, _ = published
    sandbox = duckdb.connect(str(sandbox_db), read_only=True)
    raw = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        for system, table in [
            ("kantata", "time_entries"),
            ("kantata", "users"),
            ("jira", "issues"),
            ("jira", "issue_changelog"),
            ("salesforce", "opportunity"),
        ]:
            expected = sandbox.execute(f"SELECT count(*) FROM {system}_{table}").fetchone()[0]
            landed = raw.execute(f"SELECT count(*) FROM raw_{system}.{table}").fetchone()[0]
            assert landed == expected, f"{system}.{table}"
    finally:
        sandbox.close()
        raw.close()


def marts_snapshot(analytics: Path) -> dict[str, list]:
    """Every dbt mart's rows as published."""
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        return {
            t: sorted(map(str, con.execute(f"SELECT * FROM marts.{t}").fetchall()))
            for t in dbt_marts()
        }
    finally:
        con.close()


def dbt_marts() -> list[str]:
    manifest = json.loads((REPO_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]


def test_a_second_refresh_changes_no_raw_row(published, sandbox_env) -> None:
    """Nothing changed in the sources: no raw row changes, dbt rebuilds nothing (every mart
    is left as it was, its tests' latest results standing) and publish runs again."""
    warehouse, _, _ = published
    before = raw_snapshot(warehouse / "psops.duckdb")
    marts_before = marts_snapshot(warehouse / "analytics.duckdb")
    again = psops(["refresh"], sandbox_env, warehouse)
    assert again.returncode == 0, again.stderr
    assert raw_snapshot(warehouse / "psops.duckdb") == before
    assert f"{len(dbt_marts())} marts left as they were" in again.stdout, again.stdout
    assert marts_snapshot(warehouse / "analytics.duckdb") == marts_before


def test_an_hourly_refresh_rebuilds_what_a_changed_source_reaches(published, make_sandbox):
    """Kantata halves one 8-hour time-off entry of the last weeks: the next refresh rebuilds
    what is downstream of raw_kantata.time_off_entries (the published utilization shows 4
    hours off that day) and leaves the marts that do not read it as they were."""
    from sources.sandbox.serve import environment, start_all, stop_all

    warehouse, _, _ = published
    analytics = warehouse / "analytics.duckdb"
    day_off = """
        SELECT person.kantata_user_id, daily.date_day, daily.time_off_hours
        FROM marts.fct_utilization_daily AS daily
        JOIN marts.dim_consultant AS person USING (consultant_key)
        WHERE daily.is_delivery_role AND daily.date_day BETWEEN ? AND ?
            AND (? IS NULL OR person.kantata_user_id = ?)
        ORDER BY 1, 2
    """
    con = duckdb.connect(str(analytics), read_only=True)
    try:  # a delivery person's full day off in the weeks before the as-of date
        days = con.execute(day_off, ["2026-10-01", "2026-10-14", None, None]).fetchall()
    finally:
        con.close()
    user_id, day, _ = next(d for d in days if d[2] == 8)
    sandbox_db = make_sandbox()
    con = duckdb.connect(str(sandbox_db))
    try:
        # Kantata stamps the change (after the dataset's clock: the sandbox's as-of day)
        stamp = datetime.combine(SANDBOX_AS_OF, time(9))
        changed = con.execute(
            "UPDATE kantata_time_off_entries SET hours = 4, updated_at = ? "
            "WHERE user_id = ? AND requested_date = ? AND hours = 8 RETURNING id",
            [stamp, user_id, day],
        ).fetchall()
    finally:
        con.close()
    assert len(changed) == 1

    servers = start_all(sandbox_db)
    try:
        result = psops(["refresh"], environment(servers), warehouse)
    finally:
        stop_all(servers)

    assert result.returncode == 0, result.stdout + result.stderr
    left = int(result.stdout.split(" marts left as they were")[0].rsplit(", ", 1)[-1])
    assert 0 < left < len(dbt_marts())
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        after = con.execute(day_off, [day, day, user_id, user_id]).fetchall()
    finally:
        con.close()
    assert after == [(user_id, day, 4.0)]


def test_wrong_token_exits_2_naming_source_and_variable(sandbox_env, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    env = dict(sandbox_env, KANTATA_TOKEN="not-the-token")
    result = psops(["refresh"], env, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "kantata" in result.stderr.lower()
    assert "KANTATA_TOKEN" in result.stderr
    assert not warehouse.exists() or not any(warehouse.iterdir()), "nothing is written"


def test_missing_variable_exits_2_naming_it(sandbox_env, tmp_path: Path) -> None:
    env = {k: v for k, v in sandbox_env.items() if k != "JIRA_API_TOKEN"}
    result = psops(["refresh"], env, tmp_path / "warehouse")
    assert result.returncode == 2
    assert "JIRA_API_TOKEN" in result.stderr


def test_unknown_users_in_time_entries_block_publish(published, sandbox_env, make_sandbox):
    """The gate: time entries naming users that do not exist fail the blocking GX check;
    publish does not run and the published file stays byte-for-byte as it was."""
    from sources.sandbox.serve import environment, start_all, stop_all

    warehouse, _, _ = published
    analytics = warehouse / "analytics.duckdb"
    before = digest(analytics)
    exports_before = {p.name: digest(p) for p in (warehouse / "export").glob("*.parquet")}

    bad_db = make_sandbox(orphan_time_entries=5)
    servers = start_all(bad_db)
    try:
        result = psops(["refresh", "--full"], environment(servers), warehouse)
    finally:
        stop_all(servers)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "gx_time_entries" in result.stderr
    assert "user_id" in result.stderr  # the failing rows are shown
    assert "nothing was published" in result.stderr
    assert digest(analytics) == before
    assert {p.name: digest(p) for p in (warehouse / "export").glob("*.parquet")} == exports_before


def test_the_cli_help_names_every_command() -> None:
    result = subprocess.run(PSOPS + ["--help"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0
    for command in ("refresh", "demo", "sandbox"):
        assert command in result.stdout
