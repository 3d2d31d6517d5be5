"""Operating psops: schedules that are off until turned on, full runs at night, one
warehouse writer at a time, and an alert on every failed run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DefaultScheduleStatus,
    build_run_status_sensor_context,
    build_schedule_context,
    job,
    op,
)

from orchestration.defs.schedules import (
    WAREHOUSE_WRITER_TAG,
    hourly_refresh_schedule,
    nightly_full_refresh_schedule,
    refresh_run_config,
    schedules,
)
from orchestration.defs.sensors import ALERT_WEBHOOK_ENV, build_sensors


def test_every_schedule_is_off_until_turned_on_and_marks_a_warehouse_writer() -> None:
    assert {s.name for s in schedules} == {
        "hourly_refresh_schedule",
        "nightly_full_refresh_schedule",
        "weekly_qbr_refresh_schedule",
    }
    for schedule in schedules:
        assert schedule.default_status == DefaultScheduleStatus.STOPPED
        assert schedule.job_name == ("qbr_refresh" if "qbr" in schedule.name else "refresh")
        assert schedule.tags[WAREHOUSE_WRITER_TAG] == "true"


def test_the_nightly_schedule_re_extracts_everything_and_the_hourly_one_does_not() -> None:
    def ops(schedule) -> dict:
        tick = schedule.evaluate_tick(build_schedule_context())
        return tick.run_requests[0].run_config["ops"]

    assert {o["config"]["full"] for o in ops(nightly_full_refresh_schedule).values()} == {True}
    assert {o["config"]["full"] for o in ops(hourly_refresh_schedule).values()} == {False}
    assert set(ops(hourly_refresh_schedule)) == {"ingest", "gx_raw_suites", "dbt_models"}


def test_one_run_config_builder_serves_the_schedules_and_a_subset_refresh() -> None:
    assert refresh_run_config(True) == {
        "ops": {
            "ingest": {"config": {"full": True}},
            "gx_raw_suites": {"config": {"full": True}},
            "dbt_models": {"config": {"full": True}},
        }
    }
    assert refresh_run_config(False, log_level="DEBUG", dbt=False, gate=False) == {
        "ops": {"ingest": {"config": {"full": False}}},
        "loggers": {"console": {"config": {"log_level": "DEBUG"}}},
    }
    assert refresh_run_config(False, log_level="CRITICAL", ingest=False)["ops"] == {
        "gx_raw_suites": {"config": {"full": False}},
        "dbt_models": {"config": {"full": False}},
    }


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def _failed_run_context():
    @op
    def explode() -> None:
        raise RuntimeError("Kantata answered 503 forever")

    @job
    def refresh() -> None:
        explode()

    instance = DagsterInstance.ephemeral()
    result = refresh.execute_in_process(instance=instance, raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    return build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


def test_a_failed_run_posts_an_alert_to_the_webhook(webhook, monkeypatch) -> None:
    url, received = webhook
    (run_failure_alert_sensor,) = build_sensors(url)

    run_failure_alert_sensor(_failed_run_context())

    assert len(received) == 1
    assert received[0]["job"] == "refresh"
    assert received[0]["text"].startswith("psops: run ")
    assert received[0]["text"].endswith(
        "failed: explode: RuntimeError: Kantata answered 503 forever"
    )


def test_without_a_webhook_the_alert_sensor_skips(monkeypatch) -> None:
    (run_failure_alert_sensor,) = build_sensors(None)
    result = run_failure_alert_sensor(_failed_run_context())
    assert ALERT_WEBHOOK_ENV in result.skip_message
