"""``psops sandbox backfill``: replay the sandbox month by month through real refreshes, so
the forecast history (and with it mart_forecast_accuracy) has months behind it on day one.

For each of the last ``months`` month ends before the as-of date, then the as-of date
itself, oldest first: generate the sandbox as of that day (same scale and seed), serve its
three APIs, and run a whole ``--full`` refresh with ``PSOPS_AS_OF`` set to that day (full:
every step re-extracts everything and reconciles deletes, because each replayed sandbox is
the generator's own view of that day and replaces the previous one). Every refresh appends
its revenue forecast to ``fct_revenue_forecast_history``.

The gate stays on, with one knob changed for the replay: the volume check (live rows vs
the last published load) may not block, because a replayed org is a new draw whose tables
can be smaller than the previous month's. The replay writes a copy of the gate config with
``[volume] drop_error_above = 1.0`` and points ``PSOPS_GATE_CONFIG`` at it while it runs.

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
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

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
    as_of: date,
    months: int,
    sandbox_dir: Path,
    scale: str = "small",
    seed: int = 7,
    log_level: str = "WARNING",
    on_step: Callable[[BackfillStep], None] | None = None,
) -> list[BackfillStep]:
    """Replay the sandbox through one full refresh per day of ``replay_dates``; stops at the
    first refresh that does not publish. ``PSOPS_AS_OF`` is restored afterwards."""
    saved = {name: os.environ.get(name) for name in ("PSOPS_AS_OF", "PSOPS_GATE_CONFIG")}
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    gate_config = sandbox_dir / "replay_gate.toml"
    default_gate = Path(__file__).resolve().parent.parent / "checks" / "gate.toml"
    gate_config.write_text(replay_gate_config(Path(saved["PSOPS_GATE_CONFIG"] or default_gate)))
    # set before the gate's config module is first imported (it reads the file once)
    os.environ["PSOPS_GATE_CONFIG"] = str(gate_config)

    from orchestration.defs.resources import ensure_dbt_manifest
    from orchestration.refresh import run_refresh
    from orchestration.writer_lock import warehouse_writer_lock
    from sources.common.config import warehouse_paths
    from sources.sandbox.generate import generate
    from sources.sandbox.serve import environment, sandbox_db, start_all, stop_all

    steps: list[BackfillStep] = []
    try:
        for day in replay_dates(as_of, months):
            started = time.monotonic()
            os.environ["PSOPS_AS_OF"] = day.isoformat()
            generate(sandbox_dir, scale=scale, seed=seed, as_of=day)
            manifest = json.loads(ensure_dbt_manifest().read_text())
            servers = start_all(sandbox_db(sandbox_dir))
            try:
                os.environ.update(environment(servers))
                with warehouse_writer_lock(warehouse_paths().root, purpose="psops backfill"):
                    drop_rebuildable_incrementals(warehouse_paths().pipeline_db, manifest)
                    outcome = run_refresh(full=True, log_level=log_level)
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
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return steps
