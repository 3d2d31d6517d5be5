"""Kantata custom fields are the tenant's own: a site that calls its region field "Geo"
and its team field "Practice" renames them in the seed ``kantata_custom_field_names``, and
``dim_consultant`` / ``dim_engagement`` fill as on a site with the default names.

One real dbt run on a copy of the project whose seed names the tenant's fields."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_helpers import DBT_PROJECT_DIR, make_raw_warehouse, run_dbt

pytestmark = pytest.mark.slow

AS_OF = "2026-07-06"
SELECTION = ["--select", "+dim_consultant", "+dim_engagement"]


def _tenant_rows(region_field: str, team_field: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "kantata.users": [{"id": "u1", "full_name": "Ana", "email_address": "ana@example.com"}],
        "kantata.roles": [{"id": "r1", "name": "Consultant"}],
        "kantata.account_memberships": [{"id": "m1", "user_id": "u1", "default_role_id": "r1"}],
        "kantata.custom_fields": [
            {"id": "cf1", "name": region_field, "subject_type": "User", "value_type": "single"},
            {"id": "cf2", "name": team_field, "subject_type": "User", "value_type": "string"},
            {"id": "cf3", "name": "Deal", "subject_type": "Workspace", "value_type": "string"},
        ],
        "kantata.custom_field_choices": [
            {"id": "c1", "custom_field_id": "cf1", "label": "EMEA"},
        ],
        "kantata.custom_field_values": [
            {"id": "v1", "subject_type": "User", "subject_id": "u1", "custom_field_id": "cf1",
             "value": "c1"},
            {"id": "v2", "subject_type": "User", "subject_id": "u1", "custom_field_id": "cf2",
             "value": "Risk & Fraud"},
            {"id": "v3", "subject_type": "Workspace", "subject_id": "w1",
             "custom_field_id": "cf3", "value": "006A"},
        ],
        "kantata.workspaces": [{"id": "w1", "title": "Acme rollout", "status_message": "Active"}],
    }  # fmt: skip


def _project_naming(tmp_path: Path, names: dict[str, str]) -> Path:
    """A copy of the dbt project whose seed gives ``names`` (psops field -> tenant name)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    seed = project / "seeds" / "kantata_custom_field_names.csv"
    with seed.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["custom_field_name"] = names.get(row["field"], row["custom_field_name"])
    with seed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return project


def _build(tmp_path: Path, rows: dict[str, list[dict[str, Any]]], project: Path) -> tuple:
    warehouse = tmp_path / "warehouse"
    make_raw_warehouse(warehouse / "psops.duckdb", rows)
    result = run_dbt(
        ["build", *SELECTION, "--exclude-resource-type", "test", "unit_test"],
        warehouse,
        AS_OF,
        tmp_path,
        project_dir=project,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        person = con.execute("SELECT region, team FROM marts.dim_consultant").fetchall()
        deal = con.execute("SELECT sfdc_opportunity_id FROM marts.dim_engagement").fetchall()
    finally:
        con.close()
    return person, deal


def test_a_tenant_naming_its_fields_otherwise_maps_them_in_the_seed(tmp_path: Path) -> None:
    project = _project_naming(
        tmp_path,
        {"region": "Geo", "team": "Practice", "salesforce_opportunity_id": "Deal"},
    )

    person, deal = _build(tmp_path, _tenant_rows("Geo", " practice "), project)

    assert person == [("EMEA", "Risk & Fraud")]  # names match ignoring case and blanks
    assert deal == [("006A",)]


def test_fields_the_seed_does_not_name_read_as_null(tmp_path: Path) -> None:
    project = _project_naming(tmp_path, {})  # the default names: Region, Team, ...

    person, deal = _build(tmp_path, _tenant_rows("Geo", "Practice"), project)

    assert person == [(None, None)]
    assert deal == [(None,)]
