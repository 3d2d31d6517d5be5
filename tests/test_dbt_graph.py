"""The dbt graph's shape, read from the manifest ``dbt parse`` writes: one way through
staging → intermediate → marts (never back), intermediate models grouped by the marts'
subject areas, every model documented, and shared column meanings from ``{% docs %}``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

LAYERS = ("staging", "intermediate", "marts")
SHARED_COLUMNS = ("region", "consultant_key", "engagement_id", "as_of_date")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``dbt parse`` of the project into a scratch target/ (no warehouse is opened)."""
    work = tmp_path_factory.mktemp("dbt_graph")
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PSOPS_WAREHOUSE_DIR": str(work / "warehouse"),
        "PSOPS_AS_OF": "2026-10-15",
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    result = subprocess.run(
        [str(bin_dir / "dbt"), "parse", *project], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return json.loads((work / "target" / "manifest.json").read_text())


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "psops"
    }


def layer(node: dict[str, Any]) -> str:
    """``models/<layer>/<area>/x.sql`` → ``<layer>``."""
    return Path(node["original_file_path"]).parts[1]


def test_every_model_sits_in_a_layer(manifest: dict[str, Any]) -> None:
    assert {layer(node) for node in models(manifest).values()} == set(LAYERS)


def test_no_model_reads_a_later_layer(manifest: dict[str, Any]) -> None:
    """staging → intermediate → marts: no intermediate model reads a mart, no staging model
    reads an intermediate model or a mart."""
    nodes = models(manifest)
    backwards = sorted(
        f"{node['name']} ({layer(node)}) reads {nodes[parent]['name']} ({layer(nodes[parent])})"
        for node in nodes.values()
        for parent in node["depends_on"]["nodes"]
        if parent in nodes and LAYERS.index(layer(nodes[parent])) > LAYERS.index(layer(node))
    )
    assert backwards == []


def test_intermediate_folders_are_the_marts_subject_areas(manifest: dict[str, Any]) -> None:
    nodes = models(manifest).values()
    mart_areas = {Path(n["original_file_path"]).parts[2] for n in nodes if layer(n) == "marts"}
    int_areas = {
        Path(n["original_file_path"]).parts[2] for n in nodes if layer(n) == "intermediate"
    }
    assert mart_areas >= {"core", "utilization", "forecast", "sla", "sokr"}
    assert int_areas <= mart_areas, int_areas - mart_areas


def test_every_model_and_its_documented_columns_have_a_description(
    manifest: dict[str, Any],
) -> None:
    undocumented = sorted(
        node["name"]
        for node in models(manifest).values()
        if not node["description"].strip() or not node["columns"]
    )
    assert undocumented == []
    blank_columns = sorted(
        f"{node['name']}.{column}"
        for node in models(manifest).values()
        for column, spec in node["columns"].items()
        if not spec["description"].strip()
    )
    assert blank_columns == []


def test_shared_columns_are_described_by_their_docs_block(manifest: dict[str, Any]) -> None:
    """Every model column named region, consultant_key, engagement_id or as_of_date starts
    with its ``{% docs %}`` block (models/docs.md), so the meaning is written once."""
    docs = {
        name: manifest["docs"][f"doc.psops.{name}"]["block_contents"].strip()
        for name in SHARED_COLUMNS
    }
    seen = {name: 0 for name in SHARED_COLUMNS}
    own_wording = []
    for node in models(manifest).values():
        for column, spec in node["columns"].items():
            if column in docs:
                seen[column] += 1
                if not spec["description"].strip().startswith(docs[column]):
                    own_wording.append(f"{node['name']}.{column}")
    assert sorted(own_wording) == []
    assert seen["region"] >= 15
    assert all(count > 0 for count in seen.values()), seen


def test_a_new_as_of_date_reparses_nothing(tmp_path: Path) -> None:
    """A refresh gives dbt its as-of date through ``psops-dbt --psops-as-of`` (PSOPS_AS_OF
    for dbt), read as dbt executes: the next day's first refresh keeps the parse of the day
    before (a ``--vars`` date made dbt re-parse the whole project, ~5 s on medium), and its
    SQL says the new date."""
    from orchestration.dbt_child import AS_OF_FLAG

    launcher = str(Path(sys.executable).parent / "psops-dbt")
    (tmp_path / "warehouse").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PSOPS_AS_OF"},
        "PSOPS_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]

    def dbt(*args: str) -> str:
        result = subprocess.run(
            [launcher, *args, *project], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        return result.stdout

    dbt("parse", f"{AS_OF_FLAG}=2026-10-15")
    compiled = dbt(
        "compile", "--inline", "select {{ as_of_date() }} as d", f"{AS_OF_FLAG}=2026-10-16"
    )
    assert "cast('2026-10-16' as date)" in compiled
    log = (tmp_path / "logs" / "dbt.log").read_text()
    second_run = log[log.rindex("Running with dbt=") :]
    assert "Partial parsing enabled, no changes found, skipping parsing" in second_run
    assert "Unable to do partial parsing" not in second_run
