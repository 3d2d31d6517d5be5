"""Publish's swap, piece by piece on a tiny pipeline file: ``export`` is a link replaced in
one rename, so at no instant — not between the database rename and the export rename —
is it missing or half-written; a publish that fails leaves no staging file."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.assets import publish as publish_module
from orchestration.defs.assets.publish import publish_marts
from orchestration.working_copy import remove_leftovers, staging_leftovers
from sources.common.config import WarehousePaths


def tiny_pipeline(paths: WarehousePaths, rows: int) -> None:
    paths.root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.pipeline_db))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw_kantata")  # the volume baseline reads it
        con.execute("CREATE OR REPLACE TABLE raw_kantata.users AS SELECT 1 AS id")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.mart_a AS SELECT range AS n FROM range(?)", [rows]
        )
    finally:
        con.close()


def exported_rows(paths: WarehousePaths) -> int:
    query = f"SELECT count(*) FROM '{paths.export_dir / 'mart_a.parquet'}'"
    return duckdb.sql(query).fetchall()[0][0]


def test_export_is_a_link_to_the_newest_publish_and_the_old_folder_goes(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path / "warehouse")
    tiny_pipeline(paths, 3)
    publish_marts(paths, "run-1", date(2026, 10, 15))
    first = paths.export_dir.resolve()
    tiny_pipeline(paths, 5)
    counts = publish_marts(paths, "run-2", date(2026, 10, 15))

    assert counts["mart_a"] == 5 and exported_rows(paths) == 5
    assert paths.export_dir.is_symlink()
    assert os.readlink(paths.export_dir) == ".export.run-2"  # relative: the folder may move
    assert not first.exists()
    assert staging_leftovers(paths.root) == []


def test_a_crash_between_the_database_rename_and_the_export_swap_leaves_the_old_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = WarehousePaths(tmp_path / "warehouse")
    tiny_pipeline(paths, 3)
    publish_marts(paths, "run-1", date(2026, 10, 15))
    tiny_pipeline(paths, 5)

    def crash(*_args: object) -> None:
        raise OSError("killed between the two renames")

    monkeypatch.setattr(publish_module, "swap_export", crash)
    with pytest.raises(OSError, match="between the two renames"):
        publish_marts(paths, "run-2", date(2026, 10, 15))

    assert exported_rows(paths) == 3  # the previous publish's files, whole
    assert sorted(p.name for p in paths.export_dir.iterdir()) == [
        "mart_a.parquet",
        "mart_dq_results.parquet",
    ]
    assert staging_leftovers(paths.root) == []  # the new run's export folder was removed


def test_a_real_export_folder_from_before_links_is_replaced_and_leftovers_are_removed(
    tmp_path: Path,
) -> None:
    paths = WarehousePaths(tmp_path / "warehouse")
    tiny_pipeline(paths, 2)
    paths.export_dir.mkdir()
    (paths.export_dir / "old.parquet").write_bytes(b"old")
    for leftover in (
        ".analytics.dead.duckdb",
        ".analytics.dead.duckdb.wal",
        ".psops.working.duckdb",
    ):
        (paths.root / leftover).write_bytes(b"x")
    (paths.root / ".export.dead").mkdir()

    publish_marts(paths, "run-1", date(2026, 10, 15))

    assert paths.export_dir.is_symlink() and exported_rows(paths) == 2
    assert sorted(p.name for p in remove_leftovers(paths.root)) == [
        ".analytics.dead.duckdb",
        ".analytics.dead.duckdb.wal",
        ".export.before-links.run-1",
        ".export.dead",
        ".psops.working.duckdb",
    ]
    assert staging_leftovers(paths.root) == []
