"""Runs that Dagster launches succeed, as the data team runs psops: ``dagster-webserver`` and
``dagster-daemon`` on a temporary ``DAGSTER_HOME`` holding the instance settings ``make ui``
installs (orchestration/dagster.yaml: the queued run coordinator, one warehouse writer at a
time), the refresh job launched through the webserver's GraphQL API and run to the end by
the daemon's run worker, over real HTTP to the sandbox servers.

One webserver/daemon pair serves every test of the module: a refresh from an empty
warehouse; a Dagster run with a ``psops refresh`` started beside it (the CLI waits for the
run's writer lock, both succeed); the hourly schedule's run request launched and finished."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
import requests
import yaml
from playwright.sync_api import Page, expect

from orchestration.alerts_admin import rule_label
from tests.browser import browser_page, screenshot
from tests.conftest import REPO_ROOT, SANDBOX_AS_OF, VENV_BIN
from tests.helpers import free_port
from tests.pg_dbt import create_database

pytestmark = pytest.mark.e2e

REFRESH_JOB = "refresh"
HOURLY_SCHEDULE = "hourly_refresh_schedule"
WEEKLY_SCHEDULE, QBR_JOB = "weekly_qbr_refresh_schedule", "qbr_refresh"
RUN_TIMEOUT = 900  # a refresh takes ~80 s on 2 cores; queued behind another, twice that
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH_RUN = """
mutation($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConflict { message }
  }
}
"""

RUN_STATUS = """
query($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status tags { key value } runConfigYaml }
  }
}
"""

RUN_LOGS = """
query($runId: ID!, $after: String) {
  logsForRun(runId: $runId, afterCursor: $after) {
    __typename
    ... on EventConnection {
      cursor
      hasMore
      events { __typename ... on MessageEvent { message level stepKey } }
    }
    ... on PythonError { message }
  }
}
"""

REPOSITORIES = """
{ repositoriesOrError { __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } } } }
"""

DAEMON_HEALTH = """
{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }
"""

SCHEDULE_DRY_RUN = """
mutation($selector: ScheduleSelector!, $timestamp: Float) {
  scheduleDryRun(selectorData: $selector, timestamp: $timestamp) {
    __typename
    ... on DryRunInstigationTick {
      evaluationResult {
        skipReason
        error { message }
        runRequests { runKey jobName runConfigYaml tags { key value } }
      }
    }
    ... on PythonError { message stack }
    ... on ScheduleNotFoundError { message }
  }
}
"""


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Dagster:
    """The running webserver + daemon, and the warehouse their runs write."""

    url: str
    env: dict[str, str]
    home: Path
    warehouse: Path
    location: str = ""
    repository: str = ""

    def gql(self, query: str, **variables: Any) -> dict:
        response = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def logs(self) -> str:
        """The tails of the webserver's and the daemon's output, for a failure message."""
        return "\n".join(
            f"--- {name} ---\n{_tail(self.home / f'{name}.log')}"
            for name in ("webserver", "daemon")
        )

    def launch(
        self,
        run_config: dict | None = None,
        tags: dict[str, str] | None = None,
        job: str = REFRESH_JOB,
    ) -> str:
        """Launch a job (the refresh) as the UI's launchpad does; the run id."""
        params = {
            "selector": {
                "repositoryLocationName": self.location,
                "repositoryName": self.repository,
                "jobName": job,
            },
            "runConfigData": run_config or {},
            "executionMetadata": {
                "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]
            },
        }
        result = self.gql(LAUNCH_RUN, executionParams=params)["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def run(self, run_id: str) -> dict:
        run = self.gql(RUN_STATUS, runId=run_id)["runOrError"]
        assert run["__typename"] == "Run", run
        return run

    def wait(self, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        """Poll the run until it ends; the run (status, tags, run config)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if run["status"] in TERMINAL:
                return run
            if time.monotonic() > deadline:
                pytest.fail(f"run {run_id} still {run['status']} after {timeout} s\n{self.logs()}")
            time.sleep(2)

    def messages(self, run_id: str) -> list[dict]:
        """Every event of the run's log: ``__typename``, ``message``, ``level``, ``stepKey``."""
        events: list[dict] = []
        after = None
        while True:
            page = self.gql(RUN_LOGS, runId=run_id, after=after)["logsForRun"]
            assert page["__typename"] == "EventConnection", page
            events.extend(page["events"])
            after = page["cursor"]
            if not page["hasMore"]:
                return events

    def failure(self, run_id: str) -> str:
        """What went wrong in a run: its error-level messages and the servers' logs."""
        errors = [
            f"{e.get('stepKey')}: {e.get('message')}"
            for e in self.messages(run_id)
            if e.get("level") in ("ERROR", "CRITICAL") or e["__typename"].endswith("FailureEvent")
        ]
        return "\n".join(errors[-20:]) + "\n" + self.logs()


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: code servers, run workers too
        )


def _stop(process: subprocess.Popen) -> None:
    """Stop a process and everything it started (its process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    try:  # children that outlived their parent (code servers, a run worker)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _wait_until_serving(dagster: Dagster, processes: list[subprocess.Popen]) -> None:
    """The webserver answers, the code location is loaded, the daemon's run queue runs."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args[0]} exited {process.returncode}\n{dagster.logs()}")
        try:
            repos = dagster.gql(REPOSITORIES)["repositoriesOrError"]
            nodes = [
                n
                for n in repos.get("nodes", [])
                if REFRESH_JOB in {job["name"] for job in n["jobs"]}
            ]
            if nodes and not dagster.location:
                dagster.location = nodes[0]["location"]["name"]
                dagster.repository = nodes[0]["name"]
            statuses = dagster.gql(DAEMON_HEALTH)["instance"]["daemonHealth"]
            queue = [
                s
                for s in statuses["allDaemonStatuses"]
                if s["daemonType"] == "QUEUED_RUN_COORDINATOR"
            ]
            if dagster.location and queue and queue[0]["healthy"]:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"dagster-webserver / dagster-daemon not ready within 240 s\n{dagster.logs()}")


@pytest.fixture(scope="module")
def dagster(
    sandbox_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, pg_server_dsn: str
) -> Iterator[Dagster]:
    """``dagster-webserver`` and ``dagster-daemon`` on a fresh ``DAGSTER_HOME`` with the
    settings ``make ui`` installs, writing a fresh warehouse from the sandbox servers, with
    the admin-hygiene Jira loop on (project ``PSOPS`` of the sandbox Jira), and publish also
    to PostgreSQL (dbt on PostgreSQL is exercised by tests/test_postgres_publish_e2e.py's
    refresh, the same job executed by `psops refresh`)."""
    root = tmp_path_factory.mktemp("launched")
    home, warehouse = root / "dagster_home", root / "warehouse"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIRA_", "SFDC_", "KANTATA_", "PSOPS_", "DAGSTER_"))
    }
    env.update(sandbox_env)
    env.update(
        DAGSTER_HOME=str(home),
        PSOPS_WAREHOUSE_DIR=str(warehouse),
        PSOPS_AS_OF=SANDBOX_AS_OF.isoformat(),
        PSOPS_ADMIN_JIRA_PROJECT=ADMIN_PROJECT,
        PSOPS_PUBLISH_PG_DSN=create_database(pg_server_dsn, "launched_bi"),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        GX_ANALYTICS_ENABLED="false",
    )
    port = free_port()
    dagster = Dagster(url=f"http://127.0.0.1:{port}", env=env, home=home, warehouse=warehouse)
    # the instance's SQLite storage, made before the webserver and the daemon race to create
    # it ("table alembic_version already exists": the daemon exited)
    subprocess.run(
        [str(VENV_BIN / "dagster"), "instance", "migrate"],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
    )
    processes = [
        _start(
            [
                str(VENV_BIN / "dagster-webserver"),
                *("-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)),
            ],
            env,
            home / "webserver.log",
        ),
        _start(
            [str(VENV_BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            env,
            home / "daemon.log",
        ),
    ]
    try:
        _wait_until_serving(dagster, processes)
        yield dagster
    finally:
        for process in processes:
            _stop(process)


def _tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


def _published_run_ids(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        weekly = con.execute("SELECT count(*) FROM marts.mart_utilization_weekly").fetchone()[0]
        assert weekly > 0, "the marts are published with rows"
        return {r[0] for r in con.execute("SELECT run_id FROM marts._publish_log").fetchall()}
    finally:
        con.close()


def _leftovers(warehouse: Path) -> list[str]:
    """Staging files no finished run owns (``export`` points at its ``.export.<run>``)."""
    current = (warehouse / "export").resolve()
    found = [
        p
        for pattern in (".psops.*", ".analytics.*", ".export.*", ".export-link.*")
        for p in warehouse.glob(pattern)
    ]
    return sorted(p.name for p in found if p.resolve() != current)


def _lock_holder(warehouse: Path) -> str:
    lock = warehouse / ".refresh.lock"
    return lock.read_text().strip() if lock.exists() else ""


def _executor_pid(events: list[dict]) -> int:
    """The pid the in-process executor names: every step ran in this one process."""
    pids = [
        int(m.group(1))
        for e in events
        if (m := re.fullmatch(r"Executing steps in process \(pid: (\d+)\)", e.get("message") or ""))
    ]
    assert len(pids) == 1, "the run executes its steps in process, once"
    return pids[0]


def _assert_one_hold_of_the_warehouse(events: list[dict]) -> None:
    """The run initialises its resources (the warehouse: lock + working copy) once."""
    inits = [
        e
        for e in events
        if (e.get("message") or "").startswith("Starting initialization of resources")
    ]
    assert len(inits) == 1, [e["message"] for e in inits]
    assert "warehouse" in inits[0]["message"]
    steps = {e.get("stepKey") for e in events if e["__typename"] == "ExecutionStepStartEvent"}
    assert {"ingest", "gx_raw_suites", "dbt_models", "publish"} <= steps, steps


ADMIN_PROJECT = "PSOPS"  # the sandbox's internal PS Ops project


def _admin_tickets(servers: list) -> dict[str, int]:
    """Rule label -> tickets the sandbox Jira got in ``ADMIN_PROJECT``."""
    jira = next(s for s in servers if hasattr(s.api, "write_store"))
    labels = Counter(
        label
        for issue in jira.api.write_store.issues.values()
        if issue.project_key == ADMIN_PROJECT
        for label in issue.fields.get("labels", [])
        if label != "psops-admin"
    )
    return dict(labels)


def test_a_launched_refresh_succeeds_and_publishes(dagster: Dagster, sandbox_servers: list) -> None:
    """The refresh job launched as from the UI's launchpad (default config), queued, run by
    the daemon's run worker in one process, publishes the warehouse, and its publish step
    opens one admin-hygiene ticket per rule with findings (DOMAIN §11)."""
    run_id = dagster.launch()
    run = dagster.wait(run_id)
    assert run["status"] == "SUCCESS", dagster.failure(run_id)
    assert _tag(run, "psops/warehouse-writer") == "true"  # the queue's concurrency key
    events = dagster.messages(run_id)
    _assert_one_hold_of_the_warehouse(events)
    _executor_pid(events)
    assert not [e for e in events if "waiting for the warehouse writer" in (e["message"] or "")]
    assert _published_run_ids(dagster.warehouse) == {run_id}
    assert (dagster.warehouse / "psops.duckdb").exists()
    assert (dagster.warehouse / "export" / "mart_utilization_weekly.parquet").exists()
    assert _leftovers(dagster.warehouse) == []
    assert _lock_holder(dagster.warehouse) == "", "the run released the writer lock"
    con = duckdb.connect(str(dagster.warehouse / "analytics.duckdb"), read_only=True)
    try:
        rules = {
            r
            for (r,) in con.execute("SELECT DISTINCT rule FROM marts.dq_admin_findings").fetchall()
        }
    finally:
        con.close()
    assert rules, "the sandbox plants hygiene problems"
    assert _admin_tickets(sandbox_servers) == {rule_label(r): 1 for r in rules}
    # the same marts were published to PostgreSQL too
    with psycopg.connect(dagster.env["PSOPS_PUBLISH_PG_DSN"]) as pg:
        published = pg.execute("SELECT DISTINCT run_id FROM marts._publish_log").fetchall()
        pg_rules = pg.execute("SELECT DISTINCT rule FROM marts.dq_admin_findings").fetchall()
    assert published == [(run_id,)]
    assert {r for (r,) in pg_rules} == rules


ASSET_GROUPS = """
{ assetNodes { assetKey { path } groupName } }
"""

LATEST_MATERIALIZATION = """
query($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        metadataEntries { label ... on IntMetadataEntry { intValue } }
      }
    }
  }
}
"""

UI_MART = "mart_utilization_monthly"
UI_TIMEOUT = 60_000  # ms: a page and its asset statuses load in seconds, slower beside a run
UI_GROUPS = ("raw_jira", "marts_utilization")  # whose lineage pages show every asset by name
# texts of Dagster UI's error and empty states: none may show on the pages checked
UI_ERROR_TEXTS = (
    "Unexpected error",
    "An error occurred",
    "Error loading",
    "Asset not found",
    "No assets were found",
    "Empty graph",
)


def _assert_not_an_error_page(page: Page) -> None:
    text = page.inner_text("body")
    assert not [e for e in UI_ERROR_TEXTS if e in text], text[:2000]


def test_the_ui_in_a_browser_shows_the_lineage_and_a_marts_row_count(dagster: Dagster) -> None:
    """Chromium opens the webserver's UI after the launched refresh: the global asset
    lineage draws every asset group; a group's lineage page draws each of its assets by
    name, materialized; the mart's page shows the row count the refresh published."""
    nodes = dagster.gql(ASSET_GROUPS)["assetNodes"]
    groups = {n["groupName"] for n in nodes}
    by_group = {
        g: sorted(n["assetKey"]["path"][-1] for n in nodes if n["groupName"] == g) for g in groups
    }
    (mart_path,) = [n["assetKey"]["path"] for n in nodes if n["assetKey"]["path"][-1] == UI_MART]
    asset = dagster.gql(LATEST_MATERIALIZATION, path=mart_path)["assetOrError"]
    assert asset["__typename"] == "Asset", asset
    (materialization,) = asset["assetMaterializations"]
    row_counts = [
        e["intValue"]
        for e in materialization["metadataEntries"]
        if e["label"] == "dagster/row_count"
    ]
    assert row_counts, f"no dagster/row_count on {mart_path}'s materialization (fetch_row_counts)"
    con = duckdb.connect(str(dagster.warehouse / "analytics.duckdb"), read_only=True)
    try:
        published = con.execute(f"SELECT count(*) FROM {'.'.join(mart_path)}").fetchone()[0]
    finally:
        con.close()
    assert row_counts == [published] and published > 0
    # a fresh instance on loopback opens a "Join the Dagster community" dialog over every
    # page; this is what its Skip button sends
    assert dagster.gql("mutation { setNuxSeen }")["setNuxSeen"] is True

    with browser_page(width=1800, height=1000) as browser:
        page = browser.page
        page.set_default_timeout(UI_TIMEOUT)
        # (a) the global asset lineage: one node per asset group, with the edges between
        page.goto(f"{dagster.url}/asset-groups")
        expect(page.get_by_text("Global asset lineage")).to_be_visible(timeout=UI_TIMEOUT)
        group_nodes = page.locator(
            "svg foreignObject [class*=CollapsedGroupNode_collapsedGroupNodeBox]"
        )
        expect(group_nodes).to_have_count(len(groups), timeout=UI_TIMEOUT)
        names = {t.strip() for t in group_nodes.locator("[data-tooltip]").all_text_contents()}
        assert names == groups
        assert page.locator("svg path").count() >= len(groups) - 1, "edges drawn"
        _assert_not_an_error_page(page)
        screenshot(page, "dagster-asset-lineage")

        # (a) a group's lineage page: every asset by name, each materialized by the refresh
        for group in UI_GROUPS:
            page.goto(
                f"{dagster.url}/locations/{dagster.repository}@{dagster.location}/asset-groups/{group}"
            )
            boxes = page.locator("svg foreignObject [class*=AssetNode_assetNodeBox]")
            expect(boxes).to_have_count(len(by_group[group]), timeout=UI_TIMEOUT)
            shown = sorted(
                t.strip() for t in boxes.locator("[class*=AssetNode_assetName]").all_text_contents()
            )
            assert shown == by_group[group]
            for box in boxes.all():
                expect(box).to_contain_text("Materialized", timeout=UI_TIMEOUT)
            _assert_not_an_error_page(page)
        # the marts group's page links its downstream asset: publish
        links = page.locator("svg foreignObject [class*=ForeignNode_assetNodeLinkContainer]")
        expect(links.filter(has_text="publish")).to_have_count(1, timeout=UI_TIMEOUT)
        screenshot(page, "dagster-mart-group")

        # (b) the mart's page: the row count the refresh published
        page.goto(f"{dagster.url}/assets/{'/'.join(mart_path)}")
        status = page.locator("[class*=AssetNodeOverview_statusGrid]")
        expect(status).to_contain_text("Row count", timeout=UI_TIMEOUT)
        expect(status).to_contain_text(
            re.compile(rf"Row count\s*{published:,}(?![\d,])"), timeout=UI_TIMEOUT
        )
        _assert_not_an_error_page(page)
        screenshot(page, "dagster-mart-page")

        assert browser.console_errors == []
        assert browser.page_errors == []
        assert browser.failed_requests == []


def test_a_cli_refresh_beside_a_launched_run_waits_and_both_succeed(
    dagster: Dagster, tmp_path: Path
) -> None:
    """``psops refresh`` started while a launched run holds the warehouse says whom it
    waits for, waits, then refreshes: both succeed and the later one's publish is live."""
    run_id = dagster.launch()
    deadline = time.monotonic() + RUN_TIMEOUT
    while f"dagster run {run_id}" not in _lock_holder(dagster.warehouse):
        if dagster.run(run_id)["status"] in TERMINAL or time.monotonic() > deadline:
            pytest.fail(f"run {run_id} never held the writer lock\n{dagster.failure(run_id)}")
        time.sleep(0.5)
    holder = _lock_holder(dagster.warehouse)

    cli = subprocess.run(
        [str(VENV_BIN / "psops"), "refresh"],
        env=dagster.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=2 * RUN_TIMEOUT,
    )
    run = dagster.wait(run_id)
    assert run["status"] == "SUCCESS", dagster.failure(run_id)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    waited = f"another refresh (pid {holder}) is writing this warehouse; waiting for it…"
    assert waited in cli.stdout, cli.stdout

    events = dagster.messages(run_id)
    _assert_one_hold_of_the_warehouse(events)
    assert holder == f"{_executor_pid(events)} dagster run {run_id}", (
        "the run worker that executes the steps holds the lock"
    )
    cli_run = re.search(r"published .* \(\d+ checks passed.*, run ([0-9a-f-]+)\)", cli.stdout)
    assert cli_run, cli.stdout
    # the CLI's run is in the same instance (DAGSTER_HOME): the UI lists it too
    assert dagster.wait(cli_run.group(1), timeout=30)["status"] == "SUCCESS"
    assert _published_run_ids(dagster.warehouse) == {cli_run.group(1)}, "the later publish"
    assert _leftovers(dagster.warehouse) == []
    assert _lock_holder(dagster.warehouse) == ""


def _schedule_run_request(dagster: Dagster, schedule: str) -> tuple[dict, dict[str, str]]:
    """The schedule's tick, evaluated by the code location as the daemon would: the run
    config and tags of its one run request."""
    selector = {
        "repositoryLocationName": dagster.location,
        "repositoryName": dagster.repository,
        "scheduleName": schedule,
    }
    tick = dagster.gql(
        SCHEDULE_DRY_RUN, selector=selector, timestamp=datetime.now(UTC).timestamp()
    )["scheduleDryRun"]
    assert tick["__typename"] == "DryRunInstigationTick", tick
    evaluation = tick["evaluationResult"]
    assert evaluation["error"] is None, evaluation["error"]
    (request,) = evaluation["runRequests"]
    tags = {t["key"]: t["value"] for t in request["tags"]}
    return yaml.safe_load(request["runConfigYaml"]), tags


def test_the_hourly_schedule_run_request_is_launched_and_succeeds(dagster: Dagster) -> None:
    """The hourly schedule's tick asks for an incremental refresh; launched with its config
    and tags, it succeeds."""
    run_config, tags = _schedule_run_request(dagster, HOURLY_SCHEDULE)
    assert {op["config"]["full"] for op in run_config["ops"].values()} == {False}
    assert tags["psops/purpose"] == "hourly"

    run_id = dagster.launch(run_config, {**tags, "dagster/schedule_name": HOURLY_SCHEDULE})
    run = dagster.wait(run_id)
    assert run["status"] == "SUCCESS", dagster.failure(run_id)
    assert _tag(run, "psops/purpose") == "hourly"
    assert _tag(run, "psops/warehouse-writer") == "true"
    assert yaml.safe_load(run["runConfigYaml"]) == run_config
    _assert_one_hold_of_the_warehouse(dagster.messages(run_id))
    assert _published_run_ids(dagster.warehouse) == {run_id}
    assert _leftovers(dagster.warehouse) == []


QBR_PACK_MATERIALIZATION = """
{
  assetOrError(assetKey: {path: ["qbr_pack"]}) {
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        metadataEntries {
          label
          ... on PathMetadataEntry { path }
          ... on IntMetadataEntry { intValue }
          ... on TextMetadataEntry { text }
          ... on MarkdownMetadataEntry { mdStr }
        }
      }
    }
  }
}
"""


def test_the_weekly_qbr_schedule_refreshes_then_makes_the_pack_shown_in_the_ui(
    dagster: Dagster,
) -> None:
    """The weekly QBR schedule's run (the qbr_refresh job) refreshes, publishes, then writes
    the pack from what it published; the asset's page in a real browser shows the files and
    the picture of the first page."""
    run_config, tags = _schedule_run_request(dagster, WEEKLY_SCHEDULE)
    assert tags["psops/purpose"] == "qbr"
    run_id = dagster.launch(
        run_config, {**tags, "dagster/schedule_name": WEEKLY_SCHEDULE}, job=QBR_JOB
    )
    run = dagster.wait(run_id)
    assert run["status"] == "SUCCESS", dagster.failure(run_id)
    assert _published_run_ids(dagster.warehouse) == {run_id}

    asset = dagster.gql(QBR_PACK_MATERIALIZATION)["assetOrError"]
    (materialization,) = asset["assetMaterializations"]
    assert materialization["runId"] == run_id
    meta = {e["label"]: e for e in materialization["metadataEntries"]}
    reports = dagster.warehouse / "reports"
    quarter = f"{SANDBOX_AS_OF.year}-Q{(SANDBOX_AS_OF.month - 1) // 3 + 1}"
    assert meta["html"]["path"] == str(reports / f"qbr-{quarter}.html")
    assert meta["pdf"]["path"] == str(reports / f"qbr-{quarter}.pdf")
    assert meta["published_run"]["text"] == run_id, "the pack shows this run's publish"
    assert meta["pages"]["intValue"] >= 3
    assert Path(meta["html"]["path"]).stat().st_size > 50_000
    assert Path(meta["pdf"]["path"]).read_bytes()[:5] == b"%PDF-"
    assert meta["preview"]["mdStr"].startswith("![first page](data:image/png;base64,")

    with browser_page(width=1800, height=1100) as browser:
        page = browser.page
        page.set_default_timeout(UI_TIMEOUT)
        page.goto(f"{dagster.url}/assets/qbr_pack")
        expect(page.get_by_text(meta["pdf"]["path"]).first).to_be_visible()
        page.get_by_text("[Show Markdown]").first.click()  # the preview entry opens
        image = page.locator("img[src^='data:image/png;base64,']")
        expect(image).to_be_visible()
        width, height = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
        assert width == 600 and height > width, "the first page, portrait"
        _assert_not_an_error_page(page)
        screenshot(page, "dagster-qbr-pack")
        assert browser.console_errors + browser.page_errors + browser.failed_requests == []
