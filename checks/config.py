"""The gate's knobs: thresholds that decide warn vs. error, in one place.

The values live in ``checks/gate.toml`` (PS Ops tunes them there); ``PSOPS_GATE_CONFIG``
may name another TOML file with the same tables.  Anything the file leaves out keeps the
default below.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

# Great Expectations must neither phone home nor scaffold a ``gx/`` project folder: the gate
# only ever uses an in-memory (ephemeral) context.  Set before GX is imported anywhere.
os.environ["GX_ANALYTICS_ENABLED"] = "false"

CONFIG_VARIABLE = "PSOPS_GATE_CONFIG"
DEFAULT_CONFIG_FILE = Path(__file__).with_name("gate.toml")


def config_file() -> Path:
    return Path(os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG_FILE)


def _load() -> dict[str, Any]:
    path = config_file()
    if not path.exists():
        if os.environ.get(CONFIG_VARIABLE):
            raise FileNotFoundError(f"{CONFIG_VARIABLE} names {path}, which does not exist")
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


_SETTINGS = _load()


def _get(section: str, key: str, default: Any) -> Any:
    return _SETTINGS.get(section, {}).get(key, default)


# Share of an object's records sitting in raw._quarantine (quarantined / received).
QUARANTINE_WARN_ABOVE: float = _get("quarantine", "warn_above", 0.005)
QUARANTINE_ERROR_ABOVE: float = _get("quarantine", "error_above", 0.02)

# Live rows against the last published load of the same table.
VOLUME_DROP_ERROR_ABOVE: float = _get("volume", "drop_error_above", 0.10)
VOLUME_RISE_WARN_ABOVE: float = _get("volume", "rise_warn_above", 0.50)
VOLUME_MIN_ROWS: int = _get("volume", "min_rows", 20)

# The newest record against PSOPS_AS_OF.
FRESHNESS_MAX_AGE_DAYS: int = _get("freshness", "max_age_days", 7)
FRESHNESS_SEVERITY: str = _get("freshness", "severity", "warn")

# Dates before this are typos (e.g. 0202-05-01), not history.
EARLIEST_SANE_DATE: date = _get("dates", "earliest", date(2000, 1, 1))
# Dates after as_of + this many days are in the future (time zones allow one day).
FUTURE_TOLERANCE_DAYS: int = _get("dates", "future_tolerance_days", 1)
# Plans (due dates, close dates, allocations) may reach this many years past as_of.
PLANNING_HORIZON_YEARS: int = _get("dates", "planning_horizon_years", 6)

# Time entries: one entry can hold at most one day (24 h = 1440 minutes).
MAX_MINUTES_PER_ENTRY: int = _get("time_entries", "max_minutes_per_entry", 1440)

# The dbt seeds (PS Ops's knobs): specs naming "seed.<name>.<column>" read <name>.csv here.
SEEDS_DIR: Path = Path(
    _get("seeds", "dir", Path(__file__).resolve().parent.parent / "dbt_project" / "seeds")
)

# How many failing rows an outcome keeps as a sample (ExpectationOutcome.unexpected_sample).
SAMPLE_SIZE: int = _get("samples", "size", 10)
