"""Run one whole refresh in-process (what ``psops refresh`` and ``psops demo`` do) and
turn the run into an outcome the command line can report and exit on."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from dagster import DagsterEventType, DagsterInstance

from sources.common.errors import SourceConfigError

log = logging.getLogger(__name__)


@dataclass
class FailedCheck:
    asset: str
    check: str
    severity: str
    description: str
    summary: str


@dataclass
class RefreshOutcome:
    success: bool
    run_id: str
    published: bool
    failed_checks: list[FailedCheck] = field(default_factory=list)
    passed_checks: int = 0
    warned_checks: list[FailedCheck] = field(default_factory=list)
    step_errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.success and self.published else 1


def preflight() -> None:
    """Every source's variables are set and its credentials accepted, before any write.
    Raises ``SourceConfigError`` (exit 2) naming the source and the variable."""
    from sources.registry import all_sources

    for source in all_sources():
        source.check(source.from_env())


class _ProgressHandler(logging.Handler):
    """The ``psops.progress`` lines on a terminal: ``<source> <object>: N pages, N records,
    N records/s``.  On a TTY an object's newer line overwrites its previous one."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        self.stream = stream
        self.tty = stream.isatty()
        self._last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        key = line.split(":", 1)[0]
        if self.tty:
            prefix = "\r\033[K" if key == self._last else ("\n" if self._last else "")
            self.stream.write(prefix + line)
        else:
            self.stream.write(line + "\n")
        self._last = key
        self.stream.flush()

    def end(self) -> None:
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def terminal_progress(stream: TextIO) -> Iterator[None]:
    """Show ingest progress (``psops.progress``) on ``stream`` while the block runs."""
    logger = logging.getLogger("psops.progress")
    handler = _ProgressHandler(stream)
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        handler.end()
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


def _instance() -> DagsterInstance:
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def run_refresh(full: bool = False, log_level: str = "WARNING") -> RefreshOutcome:
    """Execute the refresh job; Dagster's console log shows ``log_level`` and above."""
    from orchestration.definitions import REFRESH_JOB, defs, ingest_assets

    job = defs.resolve_job_def(REFRESH_JOB)
    run_config = {
        "ops": {a.op.name: {"config": {"full": full}} for a in ingest_assets},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    with _instance() as instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
        outcome = RefreshOutcome(success=result.success, run_id=result.run_id, published=False)
        for event in result.all_events:
            if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                meta = evaluation.metadata or {}
                summary = meta.get("summary")
                item = FailedCheck(
                    asset=evaluation.asset_key.to_user_string(),
                    check=evaluation.check_name,
                    severity=evaluation.severity.value,
                    description=evaluation.description or "",
                    summary=str(summary.value) if summary is not None else "",
                )
                if evaluation.passed:
                    outcome.passed_checks += 1
                elif evaluation.severity.value == "ERROR":
                    outcome.failed_checks.append(item)
                else:
                    outcome.warned_checks.append(item)
            elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                if event.asset_key and event.asset_key.to_user_string() == "publish":
                    outcome.published = True
            elif event.event_type == DagsterEventType.STEP_FAILURE:
                error = event.event_specific_data.error
                outcome.step_errors.append(
                    f"{event.step_key}: {error.message.strip() if error else 'failed'}"
                )
    return outcome


__all__ = [
    "RefreshOutcome",
    "SourceConfigError",
    "preflight",
    "run_refresh",
    "terminal_progress",
]
