"""When refreshes run.  Every schedule is off until an operator turns it on (in the UI or
with `dagster schedule start`), and every refresh run carries the warehouse-writer tag
that the instance's run queue limits to one at a time (see orchestration/dagster.yaml)."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration.defs.assets.ingest import INGEST_OP_NAME
from orchestration.defs.checks import GATE_OP_NAME

REFRESH_JOB = "refresh"
DBT_OP_NAME = "dbt_models"  # orchestration/defs/assets/dbt.py
QBR_JOB = "qbr_refresh"  # the refresh, then the QBR pack
WAREHOUSE_WRITER_TAG = "psops/warehouse-writer"


def refresh_run_config(
    full: bool,
    log_level: str | None = None,
    ingest: bool = True,
    dbt: bool = True,
    gate: bool = True,
) -> dict:
    """Run config that tells the ingest step (``ingest``: when the run has it) whether to
    re-extract everything, the gate (``gate``) whether to judge every row or what changed
    since each suite last passed, and, when the run builds dbt (``dbt``), dbt whether to
    rebuild its incremental models and fetch column metadata; with ``log_level``, also the
    level of Dagster's console log."""
    config: dict = {"ops": {INGEST_OP_NAME: {"config": {"full": full}}} if ingest else {}}
    if gate:
        config["ops"][GATE_OP_NAME] = {"config": {"full": full}}
    if dbt:
        config["ops"][DBT_OP_NAME] = {"config": {"full": full}}
    if log_level is not None:
        config["loggers"] = {"console": {"config": {"log_level": log_level}}}
    return config


def _schedule(
    name: str, cron: str, full: bool, purpose: str, description: str, job: str = REFRESH_JOB
):
    return ScheduleDefinition(
        name=name,
        cron_schedule=cron,
        job_name=job,
        run_config=refresh_run_config(full),
        tags={WAREHOUSE_WRITER_TAG: "true", "psops/purpose": purpose},
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description=description,
    )


hourly_refresh_schedule = _schedule(
    "hourly_refresh_schedule",
    "5 * * * *",
    full=False,
    purpose="hourly",
    description="Incremental refresh every hour: ingest changes, gate, dbt build, publish.",
)
nightly_full_refresh_schedule = _schedule(
    "nightly_full_refresh_schedule",
    "30 2 * * *",
    full=True,
    purpose="nightly-full",
    description="Full re-extraction at 02:30 UTC that also reconciles deletes.",
)
weekly_qbr_refresh_schedule = _schedule(
    "weekly_qbr_refresh_schedule",
    "0 6 * * 1",
    full=False,
    purpose="qbr",
    description="Monday 06:00 UTC: a refresh, then the QBR pack (warehouse/reports/).",
    job=QBR_JOB,
)

schedules = [hourly_refresh_schedule, nightly_full_refresh_schedule, weekly_qbr_refresh_schedule]
