"""The asset graph an analyst sees in the Dagster UI: every raw table, dbt model and the
publish step is an asset, grouped by layer, with lineage from API object to mart."""

from __future__ import annotations

import json

from dagster import AssetKey

from sources.sandbox.schema import SYSTEMS


def _graph():
    from orchestration.defs.definitions import defs

    return defs.resolve_asset_graph()


def test_every_raw_table_is_an_asset_in_its_source_group() -> None:
    graph = _graph()
    for system, tables in SYSTEMS.items():
        for table in tables:
            node = graph.get(AssetKey([f"raw_{system}", table]))
            assert node.group_name == f"raw_{system}"
            assert not node.is_external, f"raw_{system}.{table} is materialized by psops"


def test_publish_depends_on_every_mart_and_marts_reach_back_to_raw() -> None:
    graph = _graph()
    publish = graph.get(AssetKey("publish"))
    weekly = AssetKey(["marts", "mart_utilization_weekly"])
    assert weekly in publish.parent_keys
    assert graph.get(weekly).group_name.startswith("marts")
    assert AssetKey(["raw_kantata", "time_entries"]) in graph.get_ancestor_asset_keys(weekly)


def test_time_entries_gate_is_a_blocking_check() -> None:
    from orchestration.defs.definitions import defs

    checks = {
        spec.key.name: spec
        for check_def in defs.asset_checks or []
        for spec in check_def.check_specs
    }
    assert checks["gx_time_entries"].blocking
    assert checks["gx_time_entries"].asset_key == AssetKey(["raw_kantata", "time_entries"])


def test_a_model_edited_after_the_manifest_makes_it_stale(tmp_path) -> None:
    import os

    from orchestration.defs.resources import manifest_is_stale

    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    manifest = tmp_path / "target" / "manifest.json"
    assert manifest_is_stale(manifest, tmp_path)  # missing
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, (1, 1))
    assert not manifest_is_stale(manifest, tmp_path)
    model.write_text("select 2")
    os.utime(manifest, (2, 2))
    assert manifest_is_stale(manifest, tmp_path)


def test_every_raw_asset_has_owner_kinds_column_schema_and_a_two_hour_freshness_policy() -> None:
    from datetime import timedelta

    graph = _graph()
    for system in SYSTEMS:
        for table in SYSTEMS[system]:
            node = graph.get(AssetKey([f"raw_{system}", table]))
            assert node.owners == ["team:ps-ops-data"]
            assert node.kinds == {system, "duckdb"}
            assert node.description
            policy = node.freshness_policy
            assert policy.fail_window.to_timedelta() == timedelta(hours=2)
            assert policy.warn_window.to_timedelta() == timedelta(hours=1)

    node = graph.get(AssetKey(["raw_jira", "projects"]))
    schema = node.metadata["dagster/column_schema"].value
    assert [(c.name, c.type) for c in schema.columns] == [
        ("id", "VARCHAR"),
        ("key", "VARCHAR"),
        ("name", "VARCHAR"),
        ("project_type_key", "VARCHAR"),
        ("_raw_json", "JSON"),
        ("_loaded_at", "TIMESTAMP"),
        ("_deleted", "BOOLEAN"),
        ("_deleted_at", "TIMESTAMP"),
    ]
    assert node.metadata["dagster/table_name"] == "psops.raw_jira.projects"


def test_dbt_models_carry_owner_kinds_layer_tag_and_their_yaml_description() -> None:
    graph = _graph()
    node = graph.get(AssetKey(["marts", "mart_utilization_monthly"]))
    assert node.owners == ["team:ps-ops-data"]
    assert node.kinds == {"dbt", "duckdb"}
    assert node.tags["layer"] == "marts"
    assert node.description.startswith("Utilization per calendar month and group")
    assert graph.get(AssetKey(["staging", "stg_kantata__time_entries"])).tags["layer"] == "staging"


def test_the_manifest_shortcut_selects_what_dbt_selects() -> None:
    """The definitions answer dagster-dbt's default selection from the manifest (faster to
    load); dagster-dbt's own evaluation with dbt's selector gives the same assets, the same
    checks and the same dependencies."""
    import sys

    from dagster_dbt import dbt_assets

    from orchestration.defs.assets.dbt import dbt_models, translator
    from orchestration.defs.resources import dbt_manifest

    @dbt_assets(manifest=dbt_manifest(), dagster_dbt_translator=translator)
    def evaluated_by_dbt(context):  # noqa: ANN001, ANN202 - never run
        yield from ()

    assert "dbt.graph.selector" in sys.modules  # dagster-dbt really used dbt's selector
    assert evaluated_by_dbt.keys == dbt_models.keys
    assert set(evaluated_by_dbt.check_keys) == set(dbt_models.check_keys)
    assert evaluated_by_dbt.asset_deps == dbt_models.asset_deps
    assert len(dbt_models.check_keys) > 300


def test_publish_preview_is_a_markdown_table_with_three_decimal_floats() -> None:
    from orchestration.defs.assets.publish import markdown_table

    assert markdown_table(
        ["month", "n", "util"], [["2026-10-01", 57, 0.62734], ["x", None, 1.0]]
    ) == ("| month | n | util |\n|---|---|---|\n| 2026-10-01 | 57 | 0.627 |\n| x |  | 1.000 |")


def test_definitions_pass_dagster_validation() -> None:
    from dagster import Definitions

    from orchestration.defs.definitions import defs

    Definitions.validate_loadable(defs)


def test_the_qbr_pack_follows_publish_in_the_weekly_job_only() -> None:
    """The hourly and nightly refreshes stop at publish; the weekly QBR schedule's job is the
    refresh plus the pack, which reads what publish just published."""
    from orchestration.defs.definitions import defs
    from orchestration.defs.schedules import weekly_qbr_refresh_schedule
    from orchestration.refresh import selection_choices

    graph = _graph()
    pack = AssetKey("qbr_pack")
    assert graph.get(pack).parent_keys == {AssetKey("publish")}
    assert graph.get(pack).group_name == "reports"
    refresh = defs.resolve_job_def("refresh").asset_layer.selected_asset_keys
    weekly = defs.resolve_job_def(weekly_qbr_refresh_schedule.job_name).asset_layer
    assert pack not in refresh and AssetKey("publish") in refresh
    assert weekly.selected_asset_keys == refresh | {pack}
    assert "reports" not in selection_choices(defs)  # `psops refresh --select` never builds it


def test_the_definitions_are_built_from_one_settings(tmp_path) -> None:
    """``build_definitions(settings)``: the settings are the ``settings`` resource, the
    warehouse resource is their (absolute) folder, the alert sensor posts to their webhook."""
    from orchestration.defs.definitions import build_definitions
    from orchestration.settings import Settings

    settings = Settings.from_mapping(
        {"PSOPS_WAREHOUSE_DIR": str(tmp_path / "wh"), "PSOPS_AS_OF": "2026-10-15"}
    )
    defs = build_definitions(settings)
    resources = defs.resources or {}
    assert resources["settings"] is settings
    assert resources["warehouse"].paths.root == tmp_path / "wh"
    assert settings.as_of_date().isoformat() == "2026-10-15"
    assert [s.name for s in defs.sensors or []] == ["run_failure_alert_sensor"]


def test_loading_without_a_manifest_names_make_manifest(tmp_path) -> None:
    import pytest

    from orchestration.defs import resources

    with pytest.raises(resources.ManifestMissing, match="run `make manifest`"):
        resources.dbt_manifest(tmp_path / "manifest.json")


def test_recorded_row_counts_join_each_tables_event_as_it_streams(tmp_path) -> None:
    """On DuckDB each table's post-hook leaves its row count in a file; the events pass
    through in order, a table's materialization gaining ``dagster/row_count`` and a view
    (no file) or an unreadable count left as it came."""
    from dagster import AssetMaterialization, Output

    from orchestration.defs.assets.dbt import with_recorded_row_counts

    (tmp_path / "model.psops.fct_a.csv").write_text("1234\n")
    (tmp_path / "model.psops.fct_b.csv").write_text("")
    events = [
        Output(None, "fct_a", metadata={"unique_id": "model.psops.fct_a"}),
        AssetMaterialization("stg_v", metadata={"unique_id": "model.psops.stg_v"}),
        Output(None, "fct_b", metadata={"unique_id": "model.psops.fct_b"}),
        "a check result passes untouched",
    ]
    out = list(with_recorded_row_counts(iter(events), tmp_path))
    assert out[0].metadata["dagster/row_count"].value == 1234
    assert out[0].metadata["dagster/storage_kind"].value == "duckdb"
    assert out[0].metadata["unique_id"].value == "model.psops.fct_a"
    assert "dagster/row_count" not in out[1].metadata
    assert "dagster/row_count" not in out[2].metadata
    assert out[3] == events[3]


def test_the_reconciliations_run_nightly_and_every_other_test_every_refresh(tmp_path) -> None:
    """The hourly refresh leaves out the dbt tests tagged nightly (the reconciliations that
    re-derive a mart from staging); the nightly full refresh runs them.  None of them is an
    asset check (each reads several models), so an hourly run leaves no check unexecuted."""
    from orchestration.defs.assets.dbt import NIGHTLY_TAG, build_args, dbt_models
    from orchestration.defs.resources import WarehouseResource, dbt_manifest
    from orchestration.settings import Settings

    settings = Settings.from_env(dotenv=None).with_values({"PSOPS_WAREHOUSE_DIR": str(tmp_path)})
    warehouse = WarehouseResource(directory=str(tmp_path))
    hourly = build_args(settings, warehouse, full=False)
    nightly = build_args(settings, warehouse, full=True)
    assert hourly[-2:] == ["--exclude", "tag:nightly"] and "--full-refresh" not in hourly
    assert "--exclude" not in nightly and "--full-refresh" in nightly

    tagged = {
        node["name"]: node
        for node in json.loads(dbt_manifest().read_text())["nodes"].values()
        if NIGHTLY_TAG in node["tags"]
    }
    assert set(tagged) == {
        "assert_every_delivery_person_week_appears_once_in_timesheet_compliance",
        "assert_open_admin_findings_reconcile_to_summary",
        "assert_every_employed_person_day_appears_once",
        "assert_monthly_billable_hours_reconcile_to_staging",
        "assert_every_ticket_in_scope_has_one_clock_per_metric",
    }
    assert {n["resource_type"] for n in tagged.values()} == {"test"}
    assert all(len(n["depends_on"]["nodes"]) > 1 for n in tagged.values())
    check_names = {key.name for key in dbt_models.check_keys}
    assert not check_names & set(tagged)
