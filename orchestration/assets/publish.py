"""Write-audit-publish: the marts, built and tested in ``psops.duckdb``, are copied into a
brand-new ``analytics.duckdb`` (+ ``export/<mart>.parquet``) that replaces the published
file by an atomic rename.  Dagster runs this step only when every blocking check upstream
passed in this run, so a reader never sees a failed or half-built refresh."""

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from checks.volume import record_volumes
from orchestration.assets.dbt import mart_keys
from orchestration.dq import (
    MART_NAME as DQ_MART,
)
from orchestration.dq import (
    RESULTS_TABLE,
    CheckResult,
    check_summary,
    connect_pipeline,
    ensure_results_table,
    run_results,
)
from orchestration.resources import WarehouseResource
from sources.common.config import WarehousePaths, as_of_date

MART_SCHEMA = "marts"
PREVIEW_MART = "mart_utilization_monthly"
PREVIEW_COLUMNS = (
    "month_start",
    "headcount",
    "available_hours",
    "billable_hours",
    "billable_utilization",
    "productive_utilization",
    "target_utilization",
)


class PublishRefused(RuntimeError):
    """The audit found a blocking check failure recorded for this run."""


def audit(paths: WarehousePaths, run_id: str) -> list[CheckResult]:
    """This run's recorded check results; raises ``PublishRefused`` when any blocking one
    failed (Dagster already skips publish then; this keeps the promise if it did not)."""
    con = connect_pipeline(paths, read_only=True)
    try:
        results = run_results(con, run_id)
    finally:
        con.close()
    failed = [r for r in results if r.blocking_failure]
    if failed:
        names = ", ".join(f"{r.check_name} on {r.asset}" for r in failed[:5])
        raise PublishRefused(f"{len(failed)} blocking check(s) failed in run {run_id}: {names}")
    return results


def _raw_volumes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Live rows of every raw table (the next refresh's volume baseline)."""
    tables = con.execute(
        "SELECT schema_name || '.' || table_name, list(column_name) FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name LIKE 'raw\\_%' ESCAPE '\\' "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    counts = {}
    for table, columns in tables:
        live = " WHERE NOT coalesce(_deleted, false)" if "_deleted" in columns else ""
        counts[table] = con.execute(f"SELECT count(*) FROM {table}{live}").fetchone()[0]
    return counts


def record_baseline(paths: WarehousePaths, run_id: str, at: datetime) -> dict[str, int]:
    con = connect_pipeline(paths)
    try:
        counts = _raw_volumes(con)
        record_volumes(con, counts, run_id, at)
        ensure_results_table(con)  # so the published dq mart always exists
    finally:
        con.close()
    return counts


def publish_marts(
    paths: WarehousePaths, run_id: str, as_of: date, check_summary: str = ""
) -> dict[str, int]:
    """Copy every table of the pipeline's ``marts`` schema (and the check history as
    ``mart_dq_results``) into a new analytics file and swap it in; returns the row count
    of each published mart."""
    paths.root.mkdir(parents=True, exist_ok=True)
    staging_db = paths.root / f".analytics.{run_id}.duckdb"
    staging_export = paths.root / f".export.{run_id}"
    for leftover in (staging_db, Path(f"{staging_db}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(staging_export, ignore_errors=True)
    staging_export.mkdir(parents=True)

    published_at = datetime.now(UTC).replace(tzinfo=None)
    record_baseline(paths, run_id, published_at)
    con = duckdb.connect(str(staging_db))
    try:
        con.execute(f"ATTACH '{paths.pipeline_db}' AS pipeline (READ_ONLY)")
        marts = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pipeline' "
                "AND schema_name = ? ORDER BY table_name",
                [MART_SCHEMA],
            ).fetchall()
        ]
        con.execute(f"CREATE SCHEMA {MART_SCHEMA}")
        sources = {mart: f"pipeline.{MART_SCHEMA}.{mart}" for mart in marts}
        sources[DQ_MART] = f"pipeline.{RESULTS_TABLE}"
        counts: dict[str, int] = {}
        for mart, source in sources.items():
            con.execute(f"CREATE TABLE {MART_SCHEMA}.{mart} AS SELECT * FROM {source}")
            counts[mart] = con.execute(f"SELECT count(*) FROM {MART_SCHEMA}.{mart}").fetchone()[0]
            con.execute(
                f"COPY {MART_SCHEMA}.{mart} TO '{staging_export / (mart + '.parquet')}' "
                "(FORMAT parquet)"
            )
        con.execute("DETACH pipeline")
        con.execute(
            f"""CREATE TABLE {MART_SCHEMA}._publish_log (run_id VARCHAR, as_of_date DATE,
            published_at TIMESTAMP, mart VARCHAR, row_count BIGINT, check_summary VARCHAR)"""
        )
        con.executemany(
            f"INSERT INTO {MART_SCHEMA}._publish_log VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, as_of, published_at, mart, n, check_summary) for mart, n in counts.items()],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()

    # the swap: the database file atomically, then the parquet folder
    os.replace(staging_db, paths.analytics_db)
    previous = paths.root / f".export.previous.{run_id}"
    if paths.export_dir.exists():
        os.replace(paths.export_dir, previous)
    os.replace(staging_export, paths.export_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return counts


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; floats to three decimals, NULL as empty."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def utilization_preview(analytics_db: Path, months: int = 6) -> str:
    """The whole org's utilization for the latest ``months`` months, from the published
    file, as markdown (the first thing an analyst wants to see of a refresh)."""
    con = duckdb.connect(str(analytics_db), read_only=True)
    try:
        rows = con.execute(
            f"SELECT {', '.join(PREVIEW_COLUMNS)} FROM {MART_SCHEMA}.{PREVIEW_MART} "
            "WHERE grain = 'org' ORDER BY month_start DESC LIMIT ?",
            [months],
        ).fetchall()
    except duckdb.CatalogException:
        return f"_no `{PREVIEW_MART}` published_"
    finally:
        con.close()
    return markdown_table(PREVIEW_COLUMNS, rows)


@asset(
    key="publish",
    group_name="publish",
    deps=mart_keys(),
    kinds={"duckdb", "parquet"},
    description="Publishes the marts to warehouse/analytics.duckdb (schema `marts`) and "
    "warehouse/export/*.parquet, atomically, only when every blocking check passed.",
)
def publish(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    summary = check_summary(audit(warehouse.paths, context.run_id))
    counts = publish_marts(warehouse.paths, context.run_id, as_of_date(), summary)
    context.log.info(f"published {len(counts)} marts to {warehouse.paths.analytics_db}")
    return MaterializeResult(
        metadata={
            "analytics_db": MetadataValue.path(str(warehouse.paths.analytics_db)),
            "marts": MetadataValue.json(counts),
            "dagster/row_count": sum(counts.values()),
            "check_summary": summary,
            "preview": MetadataValue.md(utilization_preview(warehouse.paths.analytics_db)),
            **{f"rows/{mart}": n for mart, n in sorted(counts.items())},
        }
    )
