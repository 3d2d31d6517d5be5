"""What an analyst sees: the Dagster webserver, started on loopback against the project's
workspace.yaml, serves the whole asset graph through its GraphQL API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sources.sandbox.schema import SYSTEMS
from tests.conftest import REPO_ROOT
from tests.helpers import free_port

pytestmark = pytest.mark.slow

ASSET_GRAPH_QUERY = """
{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }
"""


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("dagster_home")
    port = free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home), PSOPS_WAREHOUSE_DIR=str(home / "warehouse"))
    bin_dir = Path(sys.executable).parent
    process = subprocess.Popen(
        [
            str(bin_dir / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("dagster-webserver did not start within 120 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _asset_graph(url: str) -> dict[tuple[str, ...], dict]:
    deadline = time.monotonic() + 60
    while True:  # the code location may still be loading
        body = requests.post(f"{url}/graphql", json={"query": ASSET_GRAPH_QUERY}, timeout=30).json()
        nodes = (body.get("data") or {}).get("assetNodes") or []
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(1)
    return {tuple(n["assetKey"]["path"]): n for n in nodes}


def _ancestors(graph: dict[tuple[str, ...], dict], key: tuple[str, ...]) -> set:
    seen: set = set()
    stack = [key]
    while stack:
        for dep in graph[stack.pop()]["dependencyKeys"]:
            path = tuple(dep["path"])
            if path not in seen:
                seen.add(path)
                stack.append(path)
    return seen


def test_the_ui_shows_every_raw_asset_every_mart_and_publish(webserver: str) -> None:
    graph = _asset_graph(webserver)
    for system, tables in SYSTEMS.items():
        for table in tables:
            assert graph[(f"raw_{system}", table)]["groupName"] == f"raw_{system}"
    marts = [k for k, n in graph.items() if n["groupName"].startswith("marts")]
    assert ("marts", "mart_utilization_weekly") in marts
    publish_deps = {tuple(d["path"]) for d in graph[("publish",)]["dependencyKeys"]}
    assert set(marts) <= publish_deps


def test_the_ui_draws_lineage_from_each_source_to_the_marts(webserver: str) -> None:
    graph = _asset_graph(webserver)
    weekly = _ancestors(graph, ("marts", "mart_utilization_weekly"))
    assert ("raw_kantata", "time_entries") in weekly
    assert ("raw_kantata", "users") in weekly
    consultants = _ancestors(graph, ("marts", "dim_consultant"))
    assert {("raw_jira", "users"), ("raw_salesforce", "user")} <= consultants
    assert ("raw_kantata", "time_entries") in _ancestors(graph, ("publish",))
