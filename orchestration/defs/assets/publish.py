"""Write-audit-publish: the marts, built and tested in ``psops.duckdb``, are copied into a
brand-new ``analytics.duckdb`` (+ ``export/<mart>.parquet``) that replaces the published
file by an atomic rename (``export`` is a symlink swapped the same way).  Dagster runs this
step only when every blocking check upstream passed in this run, and the step itself audits
the latest result of every check upstream, whichever run produced it, so neither a failed
refresh nor ``--select publish`` after one puts unchecked marts before a reader."""

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, ResourceParam, asset

from checks.volume import record_volumes
from orchestration.alerts_admin import file_admin_findings
from orchestration.defs.assets.dbt import dbt_models, mart_keys
from orchestration.defs.checks import gx_checks
from orchestration.defs.resources import WarehouseResource
from orchestration.dq import (
    MART_NAME as DQ_MART,
)
from orchestration.dq import (
    RESULTS_TABLE,
    CheckResult,
    check_summary,
    connect_pipeline,
    ensure_results_table,
    latest_results,
)
from orchestration.settings import Settings
from sources.common.config import WarehousePaths
from sources.common.loader import STATE_TABLE

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
    """A blocking check's latest result is a failure, or the check never ran."""


CheckId = tuple[str, str]  # (check name, asset) as dq.check_results records them


def gated_checks() -> set[CheckId]:
    """Every check on an asset upstream of publish: the GX suites on the raw tables and the
    dbt tests on the models."""
    keys = set(dbt_models.check_keys).union(*(c.check_keys for c in gx_checks))
    return {(key.name, key.asset_key.to_user_string()) for key in keys}


def audit(paths: WarehousePaths, gated: set[CheckId]) -> list[CheckResult]:
    """The latest result of every gated check, whichever run produced it (a ``--select
    publish`` runs none).  Raises ``PublishRefused`` naming the checks whose latest result
    is a blocking failure and those that never ran."""
    con = connect_pipeline(paths, read_only=True)
    try:
        latest = latest_results(con)
    finally:
        con.close()
    failed = [latest[c] for c in sorted(gated & latest.keys()) if latest[c].blocking_failure]
    missing = sorted(gated - latest.keys())
    problems = [f"{r.check_name} on {r.asset} failed in run {r.run_id}" for r in failed]
    problems += [f"{name} on {asset} never ran" for name, asset in missing]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; +{len(problems) - 5} more" * (len(problems) > 5))
        raise PublishRefused(
            f"publish refused: {len(failed)} blocking check(s) failed at their latest run, "
            f"{len(missing)} never ran ({shown}); fix the cause and run a refresh"
        )
    return [latest[c] for c in sorted(gated)]


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
    try:
        counts = _build_staging(paths, run_id, as_of, check_summary, staging_db, staging_export)
        os.replace(staging_db, paths.analytics_db)  # the database file, atomically
        swap_export(paths, staging_export)
    finally:  # a failed build leaves nothing behind (a killed one: the next run cleans up)
        for leftover in (staging_db, Path(f"{staging_db}.wal")):
            leftover.unlink(missing_ok=True)
        if not (paths.export_dir.is_symlink() and paths.export_dir.resolve() == staging_export):
            shutil.rmtree(staging_export, ignore_errors=True)
    return counts


def _build_staging(
    paths: WarehousePaths,
    run_id: str,
    as_of: date,
    check_summary: str,
    staging_db: Path,
    staging_export: Path,
) -> dict[str, int]:
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
        _publish_source_freshness(con)
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
    return counts


def _publish_source_freshness(con: duckdb.DuckDBPyConnection) -> None:
    """``marts._source_freshness``: when each source stream last loaded and what, so a
    reader of the published file alone (the QBR pack's footer, a BI tool) can say how
    fresh the numbers are."""
    con.execute(
        f"""CREATE TABLE {MART_SCHEMA}._source_freshness (source VARCHAR, stream VARCHAR,
        last_loaded_at TIMESTAMP, rows_loaded BIGINT)"""
    )
    has_state = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pipeline' "
        "AND schema_name = 'raw' AND table_name = '_ingest_state'"
    ).fetchone()[0]
    if has_state:
        con.execute(
            f"""INSERT INTO {MART_SCHEMA}._source_freshness
            SELECT source, stream, updated_at, rows_loaded FROM pipeline.{STATE_TABLE}
            ORDER BY source, stream"""
        )


def swap_export(paths: WarehousePaths, staging_export: Path) -> None:
    """Point ``export`` at ``staging_export`` in one atomic rename of a symlink, so a reader
    (or a crash) never finds ``export/`` missing or half-written; then drop the folder it
    pointed at before."""
    previous = paths.export_dir.resolve() if paths.export_dir.is_symlink() else None
    if paths.export_dir.exists() and previous is None:  # a real folder (psops before links)
        run = staging_export.name.removeprefix(".export.")
        os.replace(paths.export_dir, paths.root / f".export.before-links.{run}")
    link = paths.root / f".export-link.{staging_export.name}"
    link.unlink(missing_ok=True)
    os.symlink(staging_export.name, link)  # relative: the warehouse folder can move
    os.replace(link, paths.export_dir)
    if previous is not None and previous != staging_export.resolve():
        shutil.rmtree(previous, ignore_errors=True)


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
def publish(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: ResourceParam[Settings],
) -> MaterializeResult:
    summary = check_summary(audit(warehouse.paths, gated_checks()))
    counts = publish_marts(warehouse.paths, context.run_id, settings.as_of_date(), summary)
    context.log.info(f"published {len(counts)} marts to {warehouse.paths.analytics_db}")
    pg_metadata = {}
    if settings.publish_pg_dsn:  # the same set, swapped in one PostgreSQL transaction
        pg_counts = publish_to_postgres(
            warehouse.paths.analytics_db,
            settings.publish_pg_dsn,
            settings.publish_pg_schema,
            context.run_id,
        )
        context.log.info(
            f"published {len(pg_counts)} tables to PostgreSQL schema {settings.publish_pg_schema}"
        )
        pg_metadata["postgres_schema"] = settings.publish_pg_schema
    file_admin_findings(  # the hygiene Jira loop (off unless PSOPS_ADMIN_JIRA_PROJECT)
        warehouse.paths.analytics_db,
        settings.admin_alerts,
        settings.environ,
        settings.as_of_date(),
        context.log,
    )
    return MaterializeResult(
        metadata={
            "analytics_db": MetadataValue.path(str(warehouse.paths.analytics_db)),
            "marts": MetadataValue.json(counts),
            "dagster/row_count": sum(counts.values()),
            "check_summary": summary,
            "preview": MetadataValue.md(utilization_preview(warehouse.paths.analytics_db)),
            **{f"rows/{mart}": n for mart, n in sorted(counts.items())},
            **pg_metadata,
        }
    )


def publish_to_postgres(analytics_db: Path, dsn: str, schema: str, run_id: str) -> dict[str, int]:
    """Every table of the published file's ``marts`` (the publish log and source freshness
    included) into PostgreSQL's ``schema``, swapped in one transaction
    (``orchestration.postgres.publish_schema``)."""
    con = duckdb.connect(str(analytics_db), read_only=True)
    try:
        from orchestration.postgres import publish_schema  # psycopg: PostgreSQL runs only

        return publish_schema(con, dsn, schema, run_id, source_schema=MART_SCHEMA)
    finally:
        con.close()
