"""One resolver of the warehouse folder (sources.common.config.warehouse_paths), which the
Dagster warehouse resource and ``pin_warehouse_dir`` both use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.defs.resources import WarehouseResource, pin_warehouse_dir
from sources.common.config import warehouse_paths


def test_the_folder_is_the_argument_else_the_variable_else_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PSOPS_WAREHOUSE_DIR", raising=False)
    assert warehouse_paths().root == tmp_path / "warehouse"
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", "elsewhere")
    assert warehouse_paths().root == tmp_path / "elsewhere"
    assert warehouse_paths("given").pipeline_db == tmp_path / "given" / "psops.duckdb"
    assert warehouse_paths(tmp_path / "abs").analytics_db == tmp_path / "abs" / "analytics.duckdb"


def test_the_resource_and_the_pin_resolve_it_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", "wh")
    assert WarehouseResource().paths.root == tmp_path / "wh"
    assert WarehouseResource(directory="other").paths.root == tmp_path / "other"
    assert pin_warehouse_dir() == tmp_path / "wh"
    # the pin still writes the absolute folder back (dbt's profiles.yml reads it)
    assert os.environ["PSOPS_WAREHOUSE_DIR"] == str(tmp_path / "wh")
