"""Refresh: ``psops refresh --full``, then ``psops sandbox advance --days 1``, then an
incremental ``psops refresh``, then one more in which nothing changed, back to back on a
scratch copy of the dataset (the kept one is never advanced): wall time and peak memory of
each. The full refresh runs as of the dataset's date, the incremental ones as of the
advanced date (the next day's hourly runs). The run in which nothing changed builds nothing
in dbt: it is what every hourly refresh costs before dbt (starting the run, ingest, gate,
publish).

    python -m bench --only refresh
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bench.rss import Measured, run_measured
from bench.sandbox import PSOPS, base_env, dataset_as_of, free_port_run, served


@dataclass(frozen=True)
class RefreshResult:
    full: Measured
    advance: Measured
    incremental: Measured
    unchanged: Measured  # the next incremental refresh, nothing changed since

    @property
    def incremental_share(self) -> float:
        return self.incremental.seconds / self.full.seconds

    @property
    def unchanged_share(self) -> float:
        return self.unchanged.seconds / self.full.seconds


def _checked(measured: Measured, what: str, log: Path) -> Measured:
    if measured.exit_code != 0:
        raise RuntimeError(f"{what} failed (exit {measured.exit_code}): see {log}")
    return measured


def _refresh(
    args: list[str],
    sandbox: Path,
    warehouse: Path,
    work_dir: Path,
    name: str,
    first_port: int = 0,
) -> Measured:
    with served(sandbox, work_dir / f"serve-{name}", first_port=first_port) as server_env:
        env = {**base_env(), **server_env}
        env.update(
            PSOPS_WAREHOUSE_DIR=str(warehouse),
            PSOPS_AS_OF=dataset_as_of(sandbox),
            # a stale manifest is re-parsed here, not into dbt_project/target
            DBT_TARGET_PATH=str(work_dir / "dbt-target"),
            DBT_LOG_PATH=str(work_dir / "dbt-logs"),
        )
        log = work_dir / f"{name}.log"
        measured = run_measured([*PSOPS, "refresh", *args], env, work_dir, log)
    return _checked(measured, f"psops refresh {' '.join(args)}", log)


def measure_refresh(
    dataset_dir: Path, work_dir: Path, keep_refreshed: Path | None
) -> RefreshResult:
    """Full, advance, incremental, incremental again. ``keep_refreshed``: where to keep a
    copy of the warehouse the full refresh made (for the dbt part), when there is none
    yet."""
    sandbox, warehouse = work_dir / "sandbox", work_dir / "warehouse"
    for folder in (sandbox, warehouse):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(dataset_dir, sandbox)
    # the same URLs for both refreshes, as a vendor's stay from one hour to the next (Jira
    # writes its URL into each record: new ports would change every Jira table re-read)
    ports = free_port_run()
    full = _refresh(["--full"], sandbox, warehouse, work_dir, "full", ports)
    if keep_refreshed is not None and not keep_refreshed.exists():
        keep_refreshed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(warehouse / "psops.duckdb", keep_refreshed)
    log = work_dir / "advance.log"
    advance = run_measured(
        [*PSOPS, "sandbox", "advance", "--days", "1", "--dir", str(sandbox)],
        base_env(),
        work_dir,
        log,
    )
    _checked(advance, "psops sandbox advance", log)
    incremental = _refresh([], sandbox, warehouse, work_dir, "incremental", ports)
    unchanged = _refresh([], sandbox, warehouse, work_dir, "unchanged", ports)
    return RefreshResult(full, advance, incremental, unchanged)


def make_refreshed(dataset_dir: Path, work_dir: Path, target: Path) -> None:
    """A warehouse fully refreshed from ``dataset_dir``, its ``psops.duckdb`` kept at
    ``target`` (for the dbt part when the refresh part did not run)."""
    warehouse = work_dir / "warehouse-base"
    shutil.rmtree(warehouse, ignore_errors=True)
    _refresh(["--full"], dataset_dir, warehouse, work_dir, "base-full")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse / "psops.duckdb", target)
    shutil.rmtree(warehouse, ignore_errors=True)
