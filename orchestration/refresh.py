"""Run one whole refresh in-process (what ``psops refresh`` and ``psops demo`` do) and
turn the run into an outcome the command line can report and exit on."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster import AssetKey, AssetSelection, DagsterEventType, DagsterInstance, Definitions
from dagster._utils.error import SerializableErrorInfo

from orchestration.dbt_changes import NOT_REBUILT_KEY
from orchestration.defs.assets.reports import REPORTS_GROUP
from orchestration.settings import Settings
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
    marts_unchanged: int = 0  # marts an hourly dbt build left as they were (inputs unchanged)
    warned_checks: list[FailedCheck] = field(default_factory=list)
    step_errors: list[str] = field(default_factory=list)
    publish_selected: bool = True  # False: a ``--select`` that leaves publish out

    @property
    def exit_code(self) -> int:
        done = self.published or not self.publish_selected
        return 0 if self.success and done and not self.step_errors else 1


def preflight(settings: Settings, sources: Collection[str] | None = None) -> None:
    """Every source's (or the named sources') variables are set and its credentials
    accepted, before any write.  Raises ``SourceConfigError`` (exit 2) naming the source
    and the variable."""
    from sources.registry import all_sources

    for source in all_sources():
        if sources is None or source.name in sources:
            source.check(source.from_env(settings.environ))
    check_warehouse_writable(settings.warehouse.root)


def check_warehouse_writable(root: Path) -> None:
    """The warehouse folder — or, before the first refresh, the folder it will be made in —
    accepts a new file.  Raises ``SourceConfigError`` naming ``PSOPS_WAREHOUSE_DIR``."""
    folder = root
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    problem = None if folder.is_dir() else f"{folder} is not a folder"
    if problem is None:
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            problem = f"cannot write {folder} ({exc.strerror})"
    if problem:
        raise SourceConfigError("psops", "PSOPS_WAREHOUSE_DIR", problem)


RAW_PREFIX, MARTS_PREFIX = "raw_", "marts_"
PUBLISH_KEY = AssetKey("publish")


class UnknownSelection(ValueError):
    def __init__(self, unknown: Sequence[str], valid: Sequence[str]) -> None:
        self.unknown, self.valid = list(unknown), list(valid)
        super().__init__(
            f"unknown --select {', '.join(self.unknown)}; valid: {', '.join(self.valid)}"
        )


def selection_choices(defs: Definitions) -> dict[str, list[str]]:
    """Every name ``--select`` accepts → the asset groups it stands for: each group
    (``raw_kantata``, ``staging``, ``marts_sla``, ...), each source by its name
    (``kantata`` = ``raw_kantata``), and the layers ``raw`` and ``marts`` (all their groups)."""
    graph = defs.resolve_asset_graph()
    groups = sorted({graph.get(key).group_name for key in graph.get_all_asset_keys()})
    # dbt seeds: upstream only; reports: `psops report`, not part of a refresh
    groups = [g for g in groups if g not in ("default", "seeds", REPORTS_GROUP)]
    choices = {group: [group] for group in groups}
    for prefix in (RAW_PREFIX, MARTS_PREFIX):
        members = [g for g in groups if g.startswith(prefix)]
        choices[prefix.rstrip("_")] = members
        if prefix == RAW_PREFIX:
            choices.update({g.removeprefix(prefix): [g] for g in members})
    return dict(sorted(choices.items()))


def resolve_selection(defs: Definitions, names: Sequence[str]) -> AssetSelection:
    """The named groups and everything downstream of them (their checks included).
    Raises ``UnknownSelection`` listing the valid names."""
    choices = selection_choices(defs)
    unknown = [name for name in names if name not in choices]
    if unknown:
        raise UnknownSelection(unknown, list(choices))
    groups = sorted({group for name in names for group in choices[name]})
    return AssetSelection.groups(*groups).downstream() - AssetSelection.groups(REPORTS_GROUP)


def selected_asset_keys(defs: Definitions, names: Sequence[str]) -> set[AssetKey]:
    return set(resolve_selection(defs, names).resolve(defs.resolve_asset_graph()))


def selected_sources(defs: Definitions, keys: Collection[AssetKey]) -> set[str]:
    """The sources whose raw tables are among ``keys`` (so only they are ingested)."""
    graph = defs.resolve_asset_graph()
    return {
        group.removeprefix(RAW_PREFIX)
        for group in (graph.get(key).group_name for key in keys)
        if group.startswith(RAW_PREFIX)
    }


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


def _instance(settings: Settings) -> DagsterInstance:
    """``$DAGSTER_HOME``'s instance, else an ephemeral one."""
    if settings.dagster_home:
        return DagsterInstance.from_config(str(Path(settings.dagster_home).expanduser()))
    return DagsterInstance.ephemeral()


def run_refresh(
    settings: Settings,
    full: bool = False,
    log_level: str = "WARNING",
    selection: Sequence[str] | None = None,
) -> RefreshOutcome:
    """Execute the refresh job of ``build_definitions(settings)`` (or, with ``selection``,
    the named groups and what is downstream of them); Dagster's console log shows
    ``log_level`` and above."""
    from orchestration.defs.assets.ingest import INGEST_OP_NAME
    from orchestration.defs.definitions import REFRESH_JOB, build_definitions
    from orchestration.defs.schedules import DBT_OP_NAME, GATE_OP_NAME, refresh_run_config

    defs = build_definitions(settings)
    job = defs.resolve_job_def(REFRESH_JOB)
    keys = selected_asset_keys(defs, selection) if selection else None
    if keys is not None:
        # a subset job keeps the job's hooks only when they are put back
        job = job.get_subset(asset_selection=keys).with_hooks(set(job.hook_defs))
    run_config = refresh_run_config(
        full,
        log_level=log_level,
        ingest=job.has_node_named(INGEST_OP_NAME),
        dbt=job.has_node_named(DBT_OP_NAME),
        gate=job.has_node_named(GATE_OP_NAME),
    )
    with _instance(settings) as instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
        outcome = RefreshOutcome(
            success=result.success,
            run_id=result.run_id,
            published=False,
            publish_selected=keys is None or PUBLISH_KEY in keys,
        )
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
                materialization = event.event_specific_data.materialization
                if NOT_REBUILT_KEY in (materialization.metadata or {}):
                    outcome.marts_unchanged += 1
            elif event.event_type == DagsterEventType.STEP_FAILURE:
                error = event.event_specific_data.error
                outcome.step_errors.append(f"{event.step_key}: {root_cause(error)}")
            elif event.event_type == DagsterEventType.ENGINE_EVENT and (
                TEARDOWN_FAILED in (event.message or "")
            ):  # Dagster only logs a failing resource exit: the working copy was not saved
                error = getattr(event.event_specific_data, "error", None)
                outcome.step_errors.append(
                    f"run end: psops.duckdb not updated: {root_cause(error)}"
                )
            elif event.event_type == DagsterEventType.RUN_FAILURE and not outcome.step_errors:
                error = getattr(event.event_specific_data, "error", None)
                if error is not None:  # e.g. the warehouse could not be opened
                    outcome.step_errors.append(f"run: {root_cause(error)}")
    return outcome


DISK_FULL = "No space left on device"
TEARDOWN_FAILED = "Teardown of resources"


def root_cause(error: SerializableErrorInfo | None) -> str:
    """What a person can act on: the innermost error of a failure, ``Type: first line``
    (``RetryBudgetExhausted: kantata: gave up after …``), not Dagster's "Error occurred
    while executing op" wrapper; a full disk says so whatever layer noticed it."""
    if error is None:
        return "failed"
    chain = [error]
    while chain[-1].cause is not None:
        chain.append(chain[-1].cause)
    inner = chain[-1]
    lines = [line.strip() for line in inner.message.strip().splitlines() if line.strip()]
    text = lines[0] if lines else inner.cls_name
    prefix = text.split(":", 1)[0]
    if "." in prefix and " " not in prefix:  # "pkg.module.Error: …" → "Error: …"
        text = f"{inner.cls_name}:{text.split(':', 1)[1]}" if ":" in text else inner.cls_name
    if any(DISK_FULL in e.message for e in chain) and DISK_FULL not in text:
        text = f"{DISK_FULL}: {text}"
    return text


__all__ = [
    "RefreshOutcome",
    "SourceConfigError",
    "UnknownSelection",
    "preflight",
    "resolve_selection",
    "root_cause",
    "run_refresh",
    "selected_asset_keys",
    "selected_sources",
    "terminal_progress",
]
