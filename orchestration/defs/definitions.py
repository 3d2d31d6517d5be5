"""The one Dagster ``Definitions`` of psops: ingest → GX gate → dbt build → publish
(→ the QBR pack, weekly).

Every job runs in one process (``in_process_executor``), whoever launches it — the UI, a
schedule, ``dagster job execute`` or ``psops refresh``: DuckDB has one writer per file, and
the ``warehouse`` resource holds the warehouse (writer lock, working copy) for the run."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from checks.config import use_gate_config
from orchestration.defs.assets.dbt import dbt_models
from orchestration.defs.assets.ingest import build_ingest_asset
from orchestration.defs.assets.publish import publish
from orchestration.defs.assets.reports import qbr_pack
from orchestration.defs.checks import gx_checks
from orchestration.defs.resources import WarehouseResource, dbt_resource
from orchestration.defs.schedules import QBR_JOB, REFRESH_JOB, WAREHOUSE_WRITER_TAG, schedules
from orchestration.defs.sensors import build_sensors
from orchestration.dq import record_check_results
from orchestration.settings import Settings
from sources.registry import all_sources

ingest = build_ingest_asset(all_sources())

# the refresh is everything but the reports; the weekly QBR run adds the pack at the end
REFRESH_SELECTION = AssetSelection.all() - AssetSelection.assets(qbr_pack)

refresh_job = define_asset_job(
    REFRESH_JOB,
    selection=REFRESH_SELECTION,
    description="One whole refresh: ingest every source, run the gate, dbt build, publish.",
    tags={WAREHOUSE_WRITER_TAG: "true"},
    executor_def=in_process_executor,
    hooks=record_check_results,  # every check result into dq.check_results (+ Jira loop)
)

qbr_job = define_asset_job(
    QBR_JOB,
    selection=AssetSelection.all(),
    description="A whole refresh, then the QBR pack from what it published (weekly).",
    tags={WAREHOUSE_WRITER_TAG: "true"},
    executor_def=in_process_executor,
    hooks=record_check_results,
)


def build_definitions(settings: Settings) -> Definitions:
    """The definitions for ``settings``: handed to the assets, checks and hooks as the
    ``settings`` resource, the warehouse resource built from ``settings.warehouse``, the
    gate config activated for the GX checks (``checks.config``).  The command line builds
    its own (``psops refresh``/``demo``/``backfill``, one per as-of day)."""
    use_gate_config(settings.gate_config, settings.gate_config_named)
    return Definitions(
        assets=[ingest, dbt_models, publish, qbr_pack],
        asset_checks=gx_checks,
        jobs=[refresh_job, qbr_job],
        schedules=schedules,
        sensors=build_sensors(settings.alert_webhook_url),
        resources={
            "settings": settings,
            "warehouse": WarehouseResource(directory=str(settings.warehouse.root)),
            "dbt": dbt_resource(settings.dbt_target),
        },
        executor=in_process_executor,  # every job, the UI's ad-hoc materializations too
    )


# What Dagster loads (workspace.yaml): the process environment is the edge here, read once.
# No .env is read: Dagster's webserver and daemon load the .env of the folder they are
# launched in themselves ("If Dagster detects a .env file in the same folder where
# dagster-webserver or dagster-daemon is launched, it will automatically load the
# environment variables in the file", https://docs.dagster.io/guides/deploy/
# using-environment-variables-and-secrets).
defs = build_definitions(Settings.from_env(dotenv=None))
