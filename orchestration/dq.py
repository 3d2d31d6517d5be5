"""Check results as data: every asset check evaluated in a run (the GX suites on the raw
tables and the dbt tests) is kept in ``dq.check_results`` in psops.duckdb, step by step as
the run goes, so the history survives a blocked refresh.  ``publish`` copies the history
into the published file as ``marts.mart_dq_results`` (what BI charts), and ``psops checks``
prints the latest run's results.

The recording happens in a job hook (``record_check_results``) that runs after every step
of the refresh, successful or failed, and then hands the step's failures to the Jira loop
(``orchestration.alerts_jira``; off unless ``PSOPS_DQ_JIRA_PROJECT`` is set).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb
from dagster import DagsterEventType, DagsterInstance, HookContext, failure_hook, success_hook

from orchestration.alerts_jira import file_failures
from orchestration.check_result import CheckResult
from sources.common.config import WarehousePaths

log = logging.getLogger(__name__)

RESULTS_TABLE = "dq.check_results"
MART_NAME = "mart_dq_results"
COLUMNS: list[tuple[str, str]] = [
    ("run_id", "VARCHAR"),
    ("checked_at", "TIMESTAMP"),
    ("check_name", "VARCHAR"),
    ("asset", "VARCHAR"),
    ("severity", "VARCHAR"),  # error | warn
    ("passed", "BOOLEAN"),
    ("failing_count", "BIGINT"),
    ("description", "VARCHAR"),
    ("sample", "VARCHAR"),  # JSON: a few failing rows / ids
]


def release_dbt_duckdb() -> None:
    """Close the read-only DuckDB instance dagster-dbt's in-process adapter (row counts)
    leaves cached after ``dbt build``: while it lives, this process can open psops.duckdb
    in no other mode ("different configuration")."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def connect_pipeline(paths: WarehousePaths, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """psops.duckdb, after releasing what the dbt step left open in this process."""
    release_dbt_duckdb()
    return duckdb.connect(str(paths.pipeline_db), read_only=read_only)


def _meta_value(metadata: dict[str, Any], key: str) -> Any:
    value = metadata.get(key)
    return getattr(value, "value", value)


def result_from_evaluation(run_id: str, at: datetime, evaluation: Any) -> CheckResult:
    """A Dagster ``AssetCheckEvaluation`` (GX suite or dbt test) → one row."""
    meta = evaluation.metadata or {}
    failing = _meta_value(meta, "failing_count")
    if failing is None:
        failing = _meta_value(meta, "dagster_dbt/failed_row_count")
    sample = _meta_value(meta, "sample")
    return CheckResult(
        run_id=run_id,
        checked_at=at,
        check_name=evaluation.check_name,
        asset=evaluation.asset_key.to_user_string(),
        severity=evaluation.severity.value.lower(),
        passed=bool(evaluation.passed),
        failing_count=int(failing or 0),
        description=(evaluation.description or "")[:2000],
        sample=json.dumps(sample if sample is not None else [], default=str),
    )


def step_results(instance: DagsterInstance, run_id: str, step_key: str) -> list[CheckResult]:
    """The check evaluations one step of a run emitted."""
    results = []
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        event = record.dagster_event
        if event is None or event.step_key != step_key:
            continue
        at = datetime.fromtimestamp(record.timestamp, UTC).replace(tzinfo=None)
        results.append(result_from_evaluation(run_id, at, event.event_specific_data))
    return results


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    cols = ", ".join(f"{name} {ctype}" for name, ctype in COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} ({cols})")


def record(con: duckdb.DuckDBPyConnection, results: list[CheckResult]) -> None:
    """Append results; a check already recorded for the run is replaced (re-runs of a
    hook never duplicate a row)."""
    ensure_results_table(con)
    if not results:
        return
    con.executemany(
        f"DELETE FROM {RESULTS_TABLE} WHERE run_id = ? AND check_name = ? AND asset = ?",
        [(r.run_id, r.check_name, r.asset) for r in results],
    )
    names = [name for name, _ in COLUMNS]
    con.executemany(
        f"INSERT INTO {RESULTS_TABLE} ({', '.join(names)}) VALUES "
        f"({', '.join('?' for _ in names)})",
        [tuple(asdict(r)[n] for n in names) for r in results],
    )


def _has_results(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dq' "
            "AND table_name = 'check_results'"
        ).fetchone()[0]
    )


def last_passed(con: duckdb.DuckDBPyConnection, check_name: str, asset: str) -> datetime | None:
    """When the check last passed (no expectation failed, warnings neither); None when it
    never did."""
    if not _has_results(con):
        return None
    return con.execute(
        f"SELECT max(checked_at) FROM {RESULTS_TABLE} WHERE check_name = ? AND asset = ? "
        "AND passed",
        [check_name, asset],
    ).fetchone()[0]


def run_results(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[CheckResult]:
    """The results of ``run_id`` (default: the latest run that recorded any), failures
    first, errors before warnings."""
    if not _has_results(con):
        return []
    if run_id is None:
        row = con.execute(
            f"SELECT run_id FROM {RESULTS_TABLE} ORDER BY checked_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return []
        run_id = row[0]
    names = [name for name, _ in COLUMNS]
    rows = con.execute(
        f"SELECT {', '.join(names)} FROM {RESULTS_TABLE} WHERE run_id = ? "
        "ORDER BY passed, severity, asset, check_name",
        [run_id],
    ).fetchall()
    return [CheckResult(*row) for row in rows]


def latest_results(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], CheckResult]:
    """(check name, asset) → the check's most recent result, whichever run recorded it."""
    if not _has_results(con):
        return {}
    names = [name for name, _ in COLUMNS]
    rows = con.execute(
        f"SELECT {', '.join(names)} FROM {RESULTS_TABLE} QUALIFY row_number() OVER "
        "(PARTITION BY check_name, asset ORDER BY checked_at DESC, run_id DESC) = 1"
    ).fetchall()
    return {(r.check_name, r.asset): r for r in (CheckResult(*row) for row in rows)}


def check_summary(results: list[CheckResult]) -> str:
    """``248 passed, 1 warned, 0 failed``."""
    failed = sum(r.blocking_failure for r in results)
    warned = sum(not r.passed and r.severity != "error" for r in results)
    return f"{len(results) - failed - warned} passed, {warned} warned, {failed} failed"


def record_step(
    instance: DagsterInstance, run_id: str, step_key: str, paths: WarehousePaths
) -> list[CheckResult]:
    """Record one step's check results in psops.duckdb; returns them."""
    results = step_results(instance, run_id, step_key)
    if not results:
        return []
    con = connect_pipeline(paths)
    try:
        record(con, results)
    finally:
        con.close()
    return results


def _after_step(context: HookContext) -> None:
    settings = context.resources.settings
    try:
        results = record_step(
            context.instance, context.run_id, context.step_key, context.resources.warehouse.paths
        )
    except duckdb.Error as exc:  # the results are also in Dagster's own event log
        context.log.warning(f"could not record check results of {context.step_key}: {exc}")
        return
    failures = [r for r in results if not r.passed]
    if failures:
        file_failures(failures, settings.alerts, settings.environ, context.log)


@success_hook(
    name="record_check_results_on_success", required_resource_keys={"warehouse", "settings"}
)
def record_check_results_on_success(context: HookContext) -> None:
    _after_step(context)


@failure_hook(
    name="record_check_results_on_failure", required_resource_keys={"warehouse", "settings"}
)
def record_check_results_on_failure(context: HookContext) -> None:
    _after_step(context)


record_check_results = {record_check_results_on_success, record_check_results_on_failure}
