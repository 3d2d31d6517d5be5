"""The gate's knobs: thresholds that decide warn vs. error, in one place.

The values live in ``checks/gate.toml`` (PS Ops tunes them there); ``PSOPS_GATE_CONFIG``
may name another TOML file with the same tables (``Settings.gate_config``: the Dagster
definitions activate it with ``use_gate_config``).  Anything the file leaves out keeps the
default below.  Nothing is read at import: the constants below (``config.VOLUME_MIN_ROWS``…)
are looked up in the active file when first used (``checks/gate.toml`` unless another was
activated).

Great Expectations neither phones home nor scaffolds a ``gx/`` folder: the gate's context is
ephemeral with ``analytics_enabled=False`` in its project config (``checks.gx_runner``).
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

CONFIG_VARIABLE = "PSOPS_GATE_CONFIG"
DEFAULT_CONFIG_FILE = Path(__file__).with_name("gate.toml")
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

# constant name -> (TOML section, key, default)
KNOBS: dict[str, tuple[str, str, Any]] = {
    # Share of an object's records sitting in raw._quarantine (quarantined / received).
    "QUARANTINE_WARN_ABOVE": ("quarantine", "warn_above", 0.005),
    "QUARANTINE_ERROR_ABOVE": ("quarantine", "error_above", 0.02),
    # Live rows against the last published load of the same table.
    "VOLUME_DROP_ERROR_ABOVE": ("volume", "drop_error_above", 0.10),
    "VOLUME_RISE_WARN_ABOVE": ("volume", "rise_warn_above", 0.50),
    "VOLUME_MIN_ROWS": ("volume", "min_rows", 20),
    # The newest record against PSOPS_AS_OF.
    "FRESHNESS_MAX_AGE_DAYS": ("freshness", "max_age_days", 7),
    "FRESHNESS_SEVERITY": ("freshness", "severity", "warn"),
    # Dates before this are typos (e.g. 0202-05-01), not history.
    "EARLIEST_SANE_DATE": ("dates", "earliest", date(2000, 1, 1)),
    # Dates after as_of + this many days are in the future (time zones allow one day).
    "FUTURE_TOLERANCE_DAYS": ("dates", "future_tolerance_days", 1),
    # Plans (due dates, close dates, allocations) may reach this many years past as_of.
    "PLANNING_HORIZON_YEARS": ("dates", "planning_horizon_years", 6),
    # Time entries: one entry can hold at most one day (24 h = 1440 minutes).
    "MAX_MINUTES_PER_ENTRY": ("time_entries", "max_minutes_per_entry", 1440),
    # The dbt seeds (PS Ops's knobs): specs naming "seed.<name>.<column>" read <name>.csv here.
    "SEEDS_DIR": ("seeds", "dir", DEFAULT_SEEDS_DIR),
    # How many failing rows an outcome keeps as a sample (ExpectationOutcome.unexpected_sample).
    "SAMPLE_SIZE": ("samples", "size", 10),
}


def load_gate_config(path: Path, named: bool = False) -> dict[str, Any]:
    """The knobs of the TOML file ``path`` (defaults for what it leaves out).  A missing file
    is no knob changed, unless ``named`` (``PSOPS_GATE_CONFIG`` named it): FileNotFoundError."""
    settings: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as handle:
            settings = tomllib.load(handle)
    elif named:
        raise FileNotFoundError(f"{CONFIG_VARIABLE} names {path}, which does not exist")
    values = {
        name: settings.get(section, {}).get(key, default)
        for name, (section, key, default) in KNOBS.items()
    }
    values["SEEDS_DIR"] = Path(values["SEEDS_DIR"])
    return values


_active: dict[str, Any] | None = None


def use_gate_config(path: Path, named: bool = False) -> None:
    """Make ``path``'s knobs the gate's (``orchestration.defs.definitions`` does, from
    ``Settings.gate_config``)."""
    global _active
    _active = load_gate_config(path, named)


def active() -> dict[str, Any]:
    """The active knobs (``checks/gate.toml`` read on first use unless another was activated)."""
    global _active
    if _active is None:
        _active = load_gate_config(DEFAULT_CONFIG_FILE)
    return _active


def __getattr__(name: str) -> Any:
    """``config.VOLUME_MIN_ROWS`` and the other knobs, from the active gate config."""
    if name not in KNOBS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return active()[name]
