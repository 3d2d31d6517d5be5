"""``psops sandbox backfill``: replay the sandbox month by month through real refreshes, so
the forecast history (and with it mart_forecast_accuracy) has months behind it on day one.

For each of the last ``months`` month ends before the as-of date, then the as-of date
itself, oldest first: generate the sandbox as of that day (same scale and seed), serve its
three APIs, and run a whole ``--full`` refresh with settings as of that day (full:
every step re-extracts everything and reconciles deletes, because each replayed sandbox is
the generator's own view of that day and replaces the previous one). Every refresh appends
its revenue forecast to ``fct_revenue_forecast_history``.

The gate stays on, with one knob changed for the replay: the volume check (live rows vs
the last published load) may not block, because a replayed org is a new draw whose tables
can be smaller than the previous month's. The replay writes a copy of the gate config with
``[volume] drop_error_above = 1.0`` and gives each day's settings that gate config.

Each replay also rebuilds the incremental dbt models from scratch (as ``dbt build
--full-refresh`` would: their tables are dropped first), because their older days come from
the previous draw; models that opt out of full refreshes (``full_refresh=false``, i.e.
``fct_revenue_forecast_history``) keep their rows.

Honesty note: the generator draws the organisation relative to its as-of date, so the
sandbox of one month end is not the previous one with a month added: the months' actuals
and forecasts come from different (same-seed) draws. The history is real refresh output and
exercises the whole pipeline, but sandbox accuracy numbers are illustrative only.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackfillStep:
    as_of: date
    exit_code: int
    seconds: float
    problems: tuple[str, ...] = ()


REPLAY_VOLUME_DROP = "drop_error_above = 1.0  # psops sandbox backfill: a replay is a new draw"


def replay_gate_config(gate_config: Path) -> str:
    """The gate config text of ``gate_config`` with the volume-drop error switched off."""
    text = gate_config.read_text() if gate_config.exists() else ""
    pattern = re.compile(r"^drop_error_above\s*=.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(REPLAY_VOLUME_DROP, text)
    if re.search(r"^\[volume\]\s*$", text, re.MULTILINE):
        return re.sub(
            r"^\[volume\]\s*$", f"[volume]\n{REPLAY_VOLUME_DROP}", text, flags=re.MULTILINE
        )
    return f"{text}\n[volume]\n{REPLAY_VOLUME_DROP}\n"


def drop_rebuildable_incrementals(pipeline_db: Path, manifest: dict) -> list[str]:
    """Drop the tables of the incremental models that a full refresh would rebuild (not the
    ones configured ``full_refresh=false``); returns their names."""
    if not pipeline_db.exists():
        return []
    import duckdb

    dropped = []
    con = duckdb.connect(str(pipeline_db))
    try:
        for node in manifest["nodes"].values():
            config = node.get("config", {})
            if (
                node.get("resource_type") == "model"
                and config.get("materialized") == "incremental"
                and config.get("full_refresh") is not False
            ):
                name = f"{node['schema']}.{node.get('alias') or node['name']}"
                con.execute(f"DROP TABLE IF EXISTS {name}")
                dropped.append(name)
    finally:
        con.close()
    return dropped


def replay_dates(as_of: date, months: int) -> list[date]:
    """The last day of each of the ``months`` months before ``as_of``'s month, oldest first,
    then ``as_of`` itself."""
    ends: list[date] = []
    month_start = as_of.replace(day=1)
    for _ in range(months):
        month_end = month_start - timedelta(days=1)
        ends.append(month_end)
        month_start = month_end.replace(day=1)
    return [*reversed(ends), as_of]


def backfill(
    settings: Settings,
    as_of: date,
    months: int,
    sandbox_dir: Path,
    scale: str = "small",
    seed: int = 7,
    log_level: str = "WARNING",
    on_step: Callable[[BackfillStep], None] | None = None,
) -> list[BackfillStep]:
    """Replay the sandbox through one full refresh per day of ``replay_dates`` (each with
    ``settings`` as of that day and the replay's gate config); stops at the first refresh
    that does not publish."""
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    gate_config = sandbox_dir / "replay_gate.toml"
    gate_config.write_text(replay_gate_config(settings.gate_config))

    from orchestration.defs.resources import ensure_dbt_manifest
    from orchestration.refresh import run_refresh
    from orchestration.writer_lock import warehouse_writer_lock
    from sources.sandbox.generate import generate
    from sources.sandbox.serve import environment, sandbox_db, start_all, stop_all

    paths = settings.warehouse
    steps: list[BackfillStep] = []
    for day in replay_dates(as_of, months):
        started = time.monotonic()
        generate(sandbox_dir, scale=scale, seed=seed, as_of=day)
        manifest_path = ensure_dbt_manifest(settings.environ, paths.root)
        manifest = json.loads(manifest_path.read_text())
        servers = start_all(sandbox_db(sandbox_dir))
        try:
            day_settings = settings.for_day(day, gate_config).with_values(environment(servers))
            with warehouse_writer_lock(paths.root, purpose="psops backfill"):
                drop_rebuildable_incrementals(paths.pipeline_db, manifest)
                outcome = run_refresh(day_settings, full=True, log_level=log_level)
        finally:
            stop_all(servers)
        problems = tuple(
            [f"check {c.check} on {c.asset}: {c.summary or c.description}"
             for c in outcome.failed_checks]
            + outcome.step_errors
        )  # fmt: skip
        step = BackfillStep(day, outcome.exit_code, time.monotonic() - started, problems)
        log.info("backfill as of %s: exit %s in %.0fs", day, step.exit_code, step.seconds)
        steps.append(step)
        if on_step:
            on_step(step)
        if step.exit_code != 0:
            break
    return steps
