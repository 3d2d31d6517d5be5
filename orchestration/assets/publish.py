"""Write-audit-publish: the marts, built and tested in ``psops.duckdb``, are copied into a
brand-new ``analytics.duckdb`` (+ ``export/<mart>.parquet``) that replaces the published
file by an atomic rename.  Dagster runs this step only when every blocking check upstream
passed in this run, so a reader never sees a failed or half-built refresh."""

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import mart_keys
from orchestration.resources import WarehouseResource
from sources.common.config import WarehousePaths, as_of_date

MART_SCHEMA = "marts"


def publish_marts(paths: WarehousePaths, run_id: str, as_of: date) -> dict[str, int]:
    """Copy every table of the pipeline's ``marts`` schema into a new analytics file and
    swap it in; returns the row count of each published mart."""
    paths.root.mkdir(parents=True, exist_ok=True)
    staging_db = paths.root / f".analytics.{run_id}.duckdb"
    staging_export = paths.root / f".export.{run_id}"
    for leftover in (staging_db, Path(f"{staging_db}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(staging_export, ignore_errors=True)
    staging_export.mkdir(parents=True)

    published_at = datetime.now(UTC).replace(tzinfo=None)
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
        counts: dict[str, int] = {}
        for mart in marts:
            con.execute(
                f"CREATE TABLE {MART_SCHEMA}.{mart} AS SELECT * FROM pipeline.{MART_SCHEMA}.{mart}"
            )
            counts[mart] = con.execute(f"SELECT count(*) FROM {MART_SCHEMA}.{mart}").fetchone()[0]
            con.execute(
                f"COPY {MART_SCHEMA}.{mart} TO '{staging_export / (mart + '.parquet')}' "
                "(FORMAT parquet)"
            )
        con.execute("DETACH pipeline")
        con.execute(
            f"""CREATE TABLE {MART_SCHEMA}._publish_log (run_id VARCHAR, as_of_date DATE,
            published_at TIMESTAMP, mart VARCHAR, row_count BIGINT)"""
        )
        con.executemany(
            f"INSERT INTO {MART_SCHEMA}._publish_log VALUES (?, ?, ?, ?, ?)",
            [(run_id, as_of, published_at, mart, n) for mart, n in counts.items()],
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


@asset(
    key="publish",
    group_name="publish",
    deps=mart_keys(),
    kinds={"duckdb", "parquet"},
    description="Publishes the marts to warehouse/analytics.duckdb (schema `marts`) and "
    "warehouse/export/*.parquet, atomically, only when every blocking check passed.",
)
def publish(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    counts = publish_marts(warehouse.paths, context.run_id, as_of_date())
    context.log.info(f"published {len(counts)} marts to {warehouse.paths.analytics_db}")
    return MaterializeResult(
        metadata={
            "analytics_db": MetadataValue.path(str(warehouse.paths.analytics_db)),
            "marts": MetadataValue.json(counts),
            "dagster/row_count": sum(counts.values()),
        }
    )
