"""The one Dagster ``Definitions`` of psops: ingest → GX gate → dbt build → publish.

Every job runs in one process (``in_process_executor``), whoever launches it — the UI, a
schedule, ``dagster job execute`` or ``psops refresh``: DuckDB has one writer per file, and
the ``warehouse`` resource holds the warehouse (writer lock, working copy) for the run."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from orchestration.assets.dbt import dbt_models
from orchestration.assets.ingest import build_ingest_assets
from orchestration.assets.publish import publish
from orchestration.checks import gx_checks
from orchestration.dq import record_check_results
from orchestration.resources import WarehouseResource, dbt_resource, pin_warehouse_dir
from orchestration.schedules import REFRESH_JOB, WAREHOUSE_WRITER_TAG, schedules
from orchestration.sensors import sensors
from sources.common.config import load_env
from sources.registry import all_sources

load_env()
pin_warehouse_dir()

ingest_assets = [build_ingest_assets(source) for source in all_sources()]

refresh_job = define_asset_job(
    REFRESH_JOB,
    selection=AssetSelection.all(),
    description="One whole refresh: ingest every source, run the gate, dbt build, publish.",
    tags={WAREHOUSE_WRITER_TAG: "true"},
    executor_def=in_process_executor,
    hooks=record_check_results,  # every check result into dq.check_results (+ Jira loop)
)

defs = Definitions(
    assets=[*ingest_assets, dbt_models, publish],
    asset_checks=gx_checks,
    jobs=[refresh_job],
    schedules=schedules,
    sensors=sensors,
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    executor=in_process_executor,  # every job, the UI's ad-hoc materializations too
)
