"""The dbt utilization path vs the floor: ``dbt build`` (and ``dbt run``) of
``+mart_utilization_monthly`` on a copy of a refreshed warehouse, against ONE hand-written
DuckDB query (``floor_utilization_monthly.sql``) computing the same monthly utilization
from the raw tables. The floor must give the mart's numbers exactly: same rows, every
value equal (floats within 1e-9 relative, or 1e-12 of each other near zero: sums added in
another order differ in the last bits); any difference is reported.

    python -m bench --only dbt
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bench.dbt_sql_alone import build_order, replay
from bench.sandbox import base_env
from orchestration.defs.assets.dbt import NIGHTLY_TAG
from orchestration.defs.resources import DBT_GLOBAL_FLAGS, DBT_PROJECT_DIR, dbt_executable

FLOOR_SQL = Path(__file__).with_name("floor_utilization_monthly.sql")
MART = "marts.mart_utilization_monthly"
KEY = ("month_start", "grain", "region", "role", "team")
SELECT = ["--select", "+mart_utilization_monthly"]
# as a refresh builds (orchestration.defs.assets.dbt.build_args), with its psops-dbt
BUILD = ["build", "--no-write-json", *SELECT, "--exclude-resource-type", "unit_test"]
RUN = ["run", "--no-write-json", *SELECT]
# the SQL of every node the build ran, compiled (untimed) to replay without dbt
COMPILE = ["compile", *SELECT]
# dbt's own cost, whatever it builds: the same command running one view of the path
ONE_VIEW = ["run", "--no-write-json", "--select", "stg_kantata__users"]
# every node an hourly build may run (no unit tests, no nightly reconciliations): the
# hourly's superset, built and replayed the same way
WHOLE_GRAPH = ["build", "--no-write-json", "--exclude-resource-type", "unit_test"]
WHOLE_GRAPH += ["--exclude", f"tag:{NIGHTLY_TAG}"]
REL_TOL = 1e-9
ABS_TOL = 1e-12  # a gap of 0.7 - 0.7 may come out as -1.1e-16: no relative tolerance holds


@dataclass
class DbtFloorResult:
    build_s: float
    run_s: float
    floor_s: float
    one_view_s: float  # dbt run of one view: what the dbt command costs before its nodes
    sql_alone_s: float  # the build's SQL without dbt (bench.dbt_sql_alone)
    nodes: int  # the nodes the build ran
    rows: int
    mismatches: list[str] = field(default_factory=list)


@dataclass
class WholeGraphResult:
    build_s: float
    sql_alone_s: float
    nodes: int


def floor_sql(as_of: str) -> str:
    return (
        FLOOR_SQL.read_text()
        .replace("{as_of}", as_of)
        .replace("{seeds}", str(DBT_PROJECT_DIR / "seeds"))
    )


def run_floor(db: Path, as_of: str) -> tuple[float, list[str], list[tuple]]:
    """The floor query on ``db`` (read-only): seconds, column names, rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        started = time.monotonic()
        result = con.execute(floor_sql(as_of))
        rows = result.fetchall()
        seconds = time.monotonic() - started
        return seconds, [d[0] for d in result.description], rows
    finally:
        con.close()


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def compare(
    columns: list[str], floor: list[tuple], mart_columns: list[str], mart: list[tuple]
) -> list[str]:
    """Where the floor's rows differ from the mart's (empty: identical)."""
    if columns != mart_columns:
        return [f"columns differ: floor {columns} vs mart {mart_columns}"]
    key = [columns.index(name) for name in KEY]
    by_key = {tuple(row[i] for i in key): row for row in floor}
    mart_by_key = {tuple(row[i] for i in key): row for row in mart}
    problems = [f"only in the floor: {k}" for k in sorted(set(by_key) - set(mart_by_key), key=str)]
    problems += [f"only in the mart: {k}" for k in sorted(set(mart_by_key) - set(by_key), key=str)]
    if len(by_key) != len(floor) or len(mart_by_key) != len(mart):
        problems.append(f"duplicate keys: floor {len(floor)} rows, mart {len(mart)} rows")
    for k in sorted(set(by_key) & set(mart_by_key), key=str):
        for name, a, b in zip(columns, by_key[k], mart_by_key[k], strict=True):
            if not _equal(a, b):
                problems.append(f"{k} {name}: floor {a!r} vs mart {b!r}")
    return problems


def read_mart(db: Path) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        result = con.execute(f"select * from {MART}")
        rows = result.fetchall()
        return [d[0] for d in result.description], rows
    finally:
        con.close()


def run_dbt(
    args: list[str], db: Path, as_of: str, work_dir: Path, log_name: str | None = None
) -> float:
    """``dbt <args>`` on ``db``, its output in ``work_dir/dbt-<log_name or the command>.log``;
    the seconds it took (raises on failure)."""
    env = base_env()
    env.update(
        DBT_TARGET_PATH=str(work_dir / "target"),
        DBT_LOG_PATH=str(work_dir / "logs"),
        PSOPS_DBT_TARGET="duckdb",
        PSOPS_AS_OF=as_of,
        DBT_LOG_FORMAT="json",  # dagster-dbt's, to read dbt's events in a refresh
    )
    dbt = dbt_executable()
    variables = json.dumps({"psops_pipeline_db": str(db), "psops_as_of": as_of})
    command = [
        dbt,
        *DBT_GLOBAL_FLAGS,
        *args,
        "--vars",
        variables,
        "--project-dir",
        str(DBT_PROJECT_DIR),
    ]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    log = work_dir / f"dbt-{log_name or args[0]}.log"
    started = time.monotonic()
    with log.open("w") as out:
        run = subprocess.run(command, env=env, cwd=DBT_PROJECT_DIR, stdout=out, stderr=out)
    code = run.returncode
    seconds = time.monotonic() - started
    if code != 0:
        raise RuntimeError(f"dbt {args[0]} failed (exit {code}): see {log}")
    return seconds


def check_floor(db: Path, as_of: str) -> tuple[float, int, list[str]]:
    """The floor query on ``db`` (where dbt built the mart), timed once after one untimed
    run (the file in the page cache, as dbt had it): seconds, the mart's row count and
    where the two differ."""
    mart_columns, mart = read_mart(db)
    run_floor(db, as_of)
    floor_s, columns, floor = run_floor(db, as_of)
    return floor_s, len(mart), compare(columns, floor, mart_columns, mart)


def sql_alone(
    refreshed_db: Path, db: Path, as_of: str, compile_args: list[str], build_log: Path
) -> float:
    """The SQL of the build logged in ``build_log`` (in ``db``'s folder), replayed without
    dbt (``bench.dbt_sql_alone``) on a fresh copy of ``refreshed_db`` at ``db``, compiled
    (untimed) by ``dbt <compile_args>``: its seconds."""
    work_dir = db.parent
    shutil.copyfile(refreshed_db, db)
    run_dbt(compile_args, db, as_of, work_dir, f"compile-{build_log.stem}")
    return replay(db, work_dir / "target" / "manifest.json", build_log)


def measure_dbt_floor(refreshed_db: Path, work_dir: Path, as_of: str) -> DbtFloorResult:
    """dbt build, then dbt run, each on a fresh copy of ``refreshed_db`` (after an untimed
    ``dbt parse``, so both find a partial-parse state as an hourly refresh does); the floor
    query on the built copy, timed once after one untimed run, and checked against it; the
    build's SQL replayed without dbt on a fresh copy; then ``dbt run`` of one view, the least
    the dbt command costs."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db = work_dir / "psops.duckdb"
    shutil.copyfile(refreshed_db, db)
    run_dbt(["parse"], db, as_of, work_dir)
    build_s = run_dbt(BUILD, db, as_of, work_dir)
    floor_s, rows, mismatches = check_floor(db, as_of)
    sql_alone_s = sql_alone(refreshed_db, db, as_of, COMPILE, work_dir / "dbt-build.log")
    # the replay made the mart dbt made: the same numbers as the floor
    mismatches += [f"replay: {p}" for p in check_floor(db, as_of)[2]]
    shutil.copyfile(refreshed_db, db)
    run_s = run_dbt(RUN, db, as_of, work_dir)
    one_view_s = run_dbt(ONE_VIEW, db, as_of, work_dir)
    db.unlink()
    nodes = len(build_order(work_dir / "dbt-build.log"))
    return DbtFloorResult(build_s, run_s, floor_s, one_view_s, sql_alone_s, nodes, rows, mismatches)


def measure_whole_graph(refreshed_db: Path, work_dir: Path, as_of: str) -> WholeGraphResult:
    """``dbt build`` of every node an hourly build may run, on a fresh copy of
    ``refreshed_db``, and the same nodes' SQL replayed without dbt on another."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db = work_dir / "psops.duckdb"
    shutil.copyfile(refreshed_db, db)
    run_dbt(["parse"], db, as_of, work_dir)
    build_s = run_dbt(WHOLE_GRAPH, db, as_of, work_dir, "whole-graph")
    log = work_dir / "dbt-whole-graph.log"
    sql_alone_s = sql_alone(refreshed_db, db, as_of, ["compile"], log)
    db.unlink()
    return WholeGraphResult(build_s, sql_alone_s, len(build_order(log)))
