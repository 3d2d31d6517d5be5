"""Every dbt unit test of the project (the ``unit_tests:`` YAML beside the models), in the
fast lane: ``dbt build --empty`` on an empty raw warehouse builds each model with no rows
(what a unit test needs of its parents) and runs the unit tests before each model; the data
tests need real rows and run in the dbt-on-fixtures modules."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.dbt_helpers import DBT_PROJECT_DIR, make_raw_warehouse, run_dbt


def declared_unit_tests() -> int:
    """How many unit tests the YAML files under ``models/`` declare."""
    return sum(
        len((yaml.safe_load(path.read_text()) or {}).get("unit_tests") or [])
        for path in (DBT_PROJECT_DIR / "models").rglob("*.yml")
    )


def test_every_dbt_unit_test_passes(tmp_path: Path, dbt_engine: str | None) -> None:
    """On DuckDB, then on PostgreSQL (``dbt_engine``)."""
    make_raw_warehouse(tmp_path / "warehouse" / "psops.duckdb", {})
    result = run_dbt(
        ["build", "--empty", "--exclude-resource-type", "test"],
        tmp_path / "warehouse",
        "2026-07-06",
        tmp_path,
        pg_server_dsn=dbt_engine,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    finished = re.search(r"Finished running .*?(\d+) unit tests?", result.stdout)
    assert finished, result.stdout[-2000:]
    assert int(finished.group(1)) == declared_unit_tests() > 0
