"""The asset graph an analyst sees in the Dagster UI: every raw table, dbt model and the
publish step is an asset, grouped by layer, with lineage from API object to mart."""

from __future__ import annotations

from dagster import AssetKey

from sources.sandbox.schema import SYSTEMS


def _graph():
    from orchestration.definitions import defs

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
    from orchestration.definitions import defs

    checks = {
        spec.key.name: spec
        for check_def in defs.asset_checks or []
        for spec in check_def.check_specs
    }
    assert checks["gx_time_entries"].blocking
    assert checks["gx_time_entries"].asset_key == AssetKey(["raw_kantata", "time_entries"])


def test_a_model_edited_after_the_manifest_makes_it_stale(tmp_path) -> None:
    import os

    from orchestration.resources import manifest_is_stale

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
