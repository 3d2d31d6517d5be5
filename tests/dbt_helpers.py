"""Run the real dbt project against a small hand-built raw warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from sources.common.raw_tables import RawTable
from sources.sandbox.schema import SYSTEMS, sandbox_table_name

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def make_raw_warehouse(db_path: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """Create every raw table of the contract in ``db_path`` and insert ``rows``.

    ``rows`` maps ``"<system>.<table>"`` (``"kantata.time_entries"``) to row dicts; missing
    columns are NULL, ``_deleted`` defaults to false and ``_loaded_at`` to now.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        for system, tables in SYSTEMS.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS raw_{system}")
            for name, columns in tables.items():
                con.execute(RawTable(system, name, columns).create_sql())
        for qualified, table_rows in rows.items():
            system, name = qualified.split(".")
            for row in table_rows:
                row = {"_deleted": False, **row}
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join("?" for _ in row)
                con.execute(
                    f"INSERT INTO raw_{system}.{name} ({cols}, _loaded_at) "
                    f"VALUES ({marks}, current_timestamp)",
                    list(row.values()),
                )
    finally:
        con.close()
    return db_path


def run_dbt(
    args: list[str],
    warehouse_dir: Path,
    as_of: str,
    work_dir: Path,
    project_dir: Path = DBT_PROJECT_DIR,
    pg_server_dsn: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` on the project with the warehouse in ``warehouse_dir``.

    dbt's target/ and logs/ go to ``work_dir`` so parallel runs never share them.  With
    ``pg_server_dsn`` dbt builds on PostgreSQL instead (``tests.pg_dbt.run_in_warehouse``:
    the raw tables copied in, the built schemas copied back into ``psops.duckdb``), so the
    same assertions read either engine's results.
    """
    if pg_server_dsn is not None:
        from tests.pg_dbt import run_in_warehouse

        return run_in_warehouse(args, warehouse_dir, as_of, work_dir, pg_server_dsn)
    return dbt_command(
        args, {"PSOPS_WAREHOUSE_DIR": str(warehouse_dir)}, as_of, work_dir, project_dir
    )


def dbt_command(
    args: list[str],
    settings: dict[str, str],
    as_of: str,
    work_dir: Path,
    project_dir: Path = DBT_PROJECT_DIR,
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` with this environment plus ``settings`` (the warehouse, or the
    postgres target's PSOPS_PG_*), the as-of date, and target/ and logs/ in ``work_dir``."""
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        **settings,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PSOPS_AS_OF": as_of,
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(bin_dir / "dbt"),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)


def raw_warehouse_from_sandbox(sandbox_db: Path, db_path: Path) -> None:
    """The raw tables a refresh would land, copied straight from the sandbox's tables."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"ATTACH '{sandbox_db}' AS sandbox (READ_ONLY)")
        for system, tables in SYSTEMS.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS raw_{system}")
            for name, columns in tables.items():
                table = RawTable(system, name, columns)
                con.execute(table.create_sql())
                cols = ", ".join(f'"{c}"' for c, _ in columns)
                con.execute(
                    f"INSERT INTO {table.qualified_name} ({cols}, _deleted, _loaded_at) "
                    f"SELECT {cols}, false, now() FROM sandbox.{sandbox_table_name(system, name)}"
                )
    finally:
        con.close()
