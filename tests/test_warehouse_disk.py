"""The warehouse's disk, as an operator meets it: a folder psops may not write is a one-line
configuration error before anything runs; a disk that fills up mid-refresh says so (not
"cannot rollback"), publishes nothing and leaves no staging file.  Both need a small
filesystem of their own (tmpfs), so they run where mounting is allowed (CI runs as root)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_refresh_e2e import psops

pytestmark = pytest.mark.e2e


@contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_warehouse_folder_is_one_line_exit_2(sandbox_env, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "size=1m,ro") as folder:
        result = psops(["refresh"], sandbox_env, folder / "warehouse")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"psops refresh: configuration error: psops: cannot write {folder} (Read-only file "
        "system) (check PSOPS_WAREHOUSE_DIR). Nothing was written."
    ]


def test_a_full_disk_says_so_publishes_nothing_and_leaves_no_staging_file(
    sandbox_env, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "small", "size=12m") as folder:
        warehouse = folder / "warehouse"
        result = psops(["refresh"], sandbox_env, warehouse)
        left = sorted(p.name for p in warehouse.iterdir())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "No space left on device" in result.stderr
    assert f"the disk holding {warehouse} is full" in result.stderr
    assert "cannot rollback" not in result.stderr
    assert "Traceback" not in result.stderr
    assert left == [".refresh.lock"]  # no analytics.duckdb, no working copy, nothing staged
