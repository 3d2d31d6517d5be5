"""What an hourly dbt build rebuilds (orchestration.dbt_changes): the inputs a build records
and what moved since, on a hand-built manifest and real DuckDB tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from orchestration.dbt_changes import (
    BuildInputs,
    in_build_order,
    last_build,
    models_reading_the_as_of_date,
    project_fingerprint,
    record_build,
    source_fingerprints,
    what_changed,
)

SOURCE_A = "source.psops.raw_a.entries"
SOURCE_B = "source.psops.raw_b.users"


def node(kind: str, parents: list[str], macros: list[str] | None = None) -> dict[str, Any]:
    return {"resource_type": kind, "depends_on": {"nodes": parents, "macros": macros or []}}


def manifest() -> dict[str, Any]:
    """raw_a.entries → stg_entries → fct_entries ─┐
    raw_b.users → stg_users → dim_users ───────────┴→ mart_summary (reads the as-of date
    through last_full_day); a seed with a test; a test on fct_entries and dim_users."""
    nodes = {
        "model.psops.stg_entries": node("model", [SOURCE_A]),
        "model.psops.fct_entries": node("model", ["model.psops.stg_entries"]),
        "model.psops.stg_users": node("model", [SOURCE_B]),
        "model.psops.dim_users": node("model", ["model.psops.stg_users"]),
        "model.psops.mart_summary": node(
            "model",
            ["model.psops.fct_entries", "model.psops.dim_users"],
            ["macro.psops.last_full_day"],
        ),
        "seed.psops.targets": {"resource_type": "seed", "depends_on": {"macros": []}},
        "test.psops.unique_targets_role": node("test", ["seed.psops.targets"]),
        "test.psops.relationships_fct_entries_user": node(
            "test", ["model.psops.fct_entries", "model.psops.dim_users"]
        ),
    }
    for uid, n in nodes.items():
        n["name"] = uid.split(".")[-1]
    macros = {
        "macro.psops.as_of_date": {"depends_on": {"macros": []}},
        "macro.psops.last_full_day": {"depends_on": {"macros": ["macro.psops.as_of_date"]}},
        "macro.psops.type_double": {"depends_on": {"macros": []}},
    }
    sources = {
        SOURCE_A: {"source_name": "raw_a", "name": "entries", "schema": "raw_a"},
        SOURCE_B: {"source_name": "raw_b", "name": "users", "schema": "raw_b"},
    }
    return {"nodes": nodes, "macros": macros, "sources": sources}


def inputs(a: str = "1:1", b: str = "2:2", as_of: str = "2026-10-15") -> BuildInputs:
    return BuildInputs(project="p1", as_of=as_of, sources={SOURCE_A: a, SOURCE_B: b})


def test_with_no_earlier_build_or_another_project_everything_is_built() -> None:
    assert what_changed(None, inputs()) is None
    other_project = BuildInputs(project="p2", as_of="2026-10-15", sources=inputs().sources)
    assert what_changed(other_project, inputs()) is None


def test_nothing_moved_nothing_is_selected() -> None:
    changes = what_changed(inputs(), inputs())
    assert changes is not None
    assert changes.select(manifest()) == [] and changes.rebuilt(manifest()) == set()


def test_a_changed_source_rebuilds_what_is_downstream_of_it_only() -> None:
    changes = what_changed(inputs(), inputs(b="3:5"))
    assert changes.select(manifest()) == ["source:raw_b.users+"]
    assert changes.rebuilt(manifest()) == {
        SOURCE_B,
        "model.psops.stg_users",
        "model.psops.dim_users",
        "model.psops.mart_summary",
        "test.psops.relationships_fct_entries_user",
    }  # not raw_a's models, not the seed nor its test


def test_a_new_as_of_date_rebuilds_the_models_reading_it_and_what_is_downstream() -> None:
    assert models_reading_the_as_of_date(manifest()) == ["model.psops.mart_summary"]
    changes = what_changed(inputs(), inputs(as_of="2026-10-16"))
    assert changes.select(manifest()) == ["mart_summary+"]
    assert changes.rebuilt(manifest()) == {"model.psops.mart_summary"}


def test_marts_left_as_they_are_come_parents_first() -> None:
    uids = {"model.psops.mart_summary", "model.psops.dim_users", "model.psops.stg_users"}
    assert in_build_order(manifest(), uids) == [
        "model.psops.stg_users",
        "model.psops.dim_users",
        "model.psops.mart_summary",
    ]


def test_a_source_fingerprint_moves_with_content_not_with_a_reload(tmp_path: Path) -> None:
    """An upsert of the same record (a new _loaded_at) keeps the fingerprint; a changed
    value, a new row or a deleted flag moves it; a missing table says so."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw_a")
    con.execute(
        "CREATE TABLE raw_a.entries (id INTEGER PRIMARY KEY, hours DOUBLE, _raw_json JSON, "
        "_loaded_at TIMESTAMP, _deleted BOOLEAN)"
    )
    con.execute("INSERT INTO raw_a.entries VALUES (1, 8, '{}', '2026-10-01', false)")
    tables = {SOURCE_A: ("raw_a", "entries"), SOURCE_B: ("raw_b", "users")}
    first = source_fingerprints(con, tables)
    assert first[SOURCE_B] == "missing" and first[SOURCE_A].startswith("1:")
    con.execute("INSERT OR REPLACE INTO raw_a.entries VALUES (1, 8, '{}', '2026-10-02', false)")
    assert source_fingerprints(con, tables) == first
    fingerprints = [first[SOURCE_A]]
    for change in (
        "UPDATE raw_a.entries SET hours = 7.5",
        "UPDATE raw_a.entries SET _deleted = true",
        "INSERT INTO raw_a.entries VALUES (2, 1, '{}', '2026-10-02', false)",
    ):
        con.execute(change)
        fingerprints.append(source_fingerprints(con, tables)[SOURCE_A])
    assert len(set(fingerprints)) == 4


def test_the_last_recorded_build_is_read_back(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert last_build(con) is None
    record_build(con, inputs(), "run-1")
    record_build(con, inputs(a="9:9", as_of="2026-10-16"), "run-2")
    assert last_build(con) == inputs(a="9:9", as_of="2026-10-16")
    assert con.execute("SELECT count(*) FROM meta.dbt_builds").fetchone()[0] == 2


def test_the_project_fingerprint_follows_its_files_and_vars_not_dbts_output(
    tmp_path: Path,
) -> None:
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    (project / "models" / "a.sql").write_text("select 1")
    vars_ = {"psops_pipeline_db": "/w/psops.duckdb"}
    first = project_fingerprint(project, vars_)
    (project / "target" / "manifest.json").write_text(json.dumps({"x": 1}))
    assert project_fingerprint(project, vars_) == first
    assert project_fingerprint(project, {"psops_pipeline_db": "/other.duckdb"}) != first
    (project / "models" / "a.sql").write_text("select 2")
    assert project_fingerprint(project, vars_) != first
