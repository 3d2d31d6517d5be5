"""Alerts: a failed run posts a short message to ``PSOPS_ALERT_WEBHOOK`` when it is set
(a Slack/Teams-compatible incoming webhook or any endpoint taking JSON)."""

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, SkipReason, run_failure_sensor

ALERT_WEBHOOK_ENV = "PSOPS_ALERT_WEBHOOK"


def failure_message(context: RunFailureSensorContext) -> dict:
    """The alert: which run failed and why, each failed step with its root cause
    (``ingest: RetryBudgetExhausted: kantata: gave up …``), not Dagster's wrapper."""
    from orchestration.refresh import root_cause

    run = context.dagster_run
    steps = [
        f"{event.step_key}: {root_cause(event.event_specific_data.error)}"
        for event in context.get_step_failure_events()
    ]
    error = "; ".join(steps) or context.failure_event.message or "the run failed"
    return {
        "text": f"psops: run {run.run_id[:8]} of `{run.job_name}` failed: {error}",
        "run_id": run.run_id,
        "job": run.job_name,
        "tags": dict(run.tags),
    }


def build_sensors(webhook_url: str | None) -> list:
    """The run-failure alert, posting to ``webhook_url`` (``Settings.alert_webhook_url``,
    from ``PSOPS_ALERT_WEBHOOK``; None: it skips)."""

    @run_failure_sensor(
        name="run_failure_alert_sensor",
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Posts every failed run to the webhook in {ALERT_WEBHOOK_ENV} (if set).",
    )
    def run_failure_alert_sensor(context: RunFailureSensorContext):
        if not webhook_url:
            return SkipReason(f"{ALERT_WEBHOOK_ENV} is not set")
        response = requests.post(webhook_url, json=failure_message(context), timeout=10)
        response.raise_for_status()
        context.log.info(f"alert posted for run {context.dagster_run.run_id}")
        return None

    return [run_failure_alert_sensor]
