"""One resolver of the warehouse folder (sources.common.config.warehouse_paths), which
``Settings.from_env`` and the Dagster warehouse resource both use."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.defs.resources import WarehouseResource
from orchestration.settings import Settings
from sources.common.config import warehouse_paths


def test_the_folder_is_the_variable_else_warehouse_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_mapping({}).warehouse.root == tmp_path / "warehouse"
    settings = Settings.from_mapping({"PSOPS_WAREHOUSE_DIR": "elsewhere"})
    assert settings.warehouse.root == tmp_path / "elsewhere"
    assert warehouse_paths("given").pipeline_db == tmp_path / "given" / "psops.duckdb"
    assert warehouse_paths(tmp_path / "abs").analytics_db == tmp_path / "abs" / "analytics.duckdb"


def test_the_resource_resolves_it_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_mapping({"PSOPS_WAREHOUSE_DIR": "wh"})
    resource = WarehouseResource(directory=str(settings.warehouse.root))
    assert resource.paths.root == tmp_path / "wh"
    assert WarehouseResource(directory="other").paths.root == tmp_path / "other"
