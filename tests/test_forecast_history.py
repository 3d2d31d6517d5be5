"""``psops sandbox backfill``: which days it replays and how each replay runs (the real
refresh is swapped for a recorder here; tests/test_dbt_forecast.py proves the history
table itself survives a full refresh)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from orchestration.backfill import backfill, replay_dates
from orchestration.refresh import RefreshOutcome
from orchestration.settings import Settings


def test_replay_dates_are_the_month_ends_before_the_as_of_month_then_the_as_of_date():
    assert replay_dates(date(2026, 10, 15), 6) == [
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 15),
    ]
    assert replay_dates(date(2026, 3, 1), 2) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple]:
    """Swap generation, serving and the refresh for recorders; return what they saw."""
    calls: list[tuple] = []

    def generate(directory: Path, scale: str, seed: int, as_of: date) -> dict:
        calls.append(("generate", scale, seed, as_of))
        return {}

    def run_refresh(settings: Settings, full: bool, log_level: str) -> RefreshOutcome:
        as_of = settings.as_of_date().isoformat()
        calls.append(("refresh", full, as_of, settings.environ.get("KANTATA_URL")))
        return RefreshOutcome(success=as_of != "2026-06-30", run_id=as_of, published=True)

    monkeypatch.setattr("sources.sandbox.generate.generate", generate)
    monkeypatch.setattr("sources.sandbox.serve.start_all", lambda db: ["server"])
    monkeypatch.setattr("sources.sandbox.serve.stop_all", lambda servers: calls.append(("stop",)))
    monkeypatch.setattr(
        "sources.sandbox.serve.environment", lambda servers: {"KANTATA_URL": "http://sandbox"}
    )
    monkeypatch.setattr("orchestration.refresh.run_refresh", run_refresh)
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"nodes": {}}')
    monkeypatch.setattr(
        "orchestration.defs.resources.ensure_dbt_manifest", lambda environ, root: manifest
    )
    return calls


SETTINGS = {"PSOPS_AS_OF": "2026-10-15"}


def settings(tmp_path: Path) -> Settings:
    return Settings.from_mapping({**SETTINGS, "PSOPS_WAREHOUSE_DIR": str(tmp_path / "warehouse")})


def test_backfill_runs_one_full_refresh_per_day_with_that_day_as_psops_as_of(recorded, tmp_path):
    given = settings(tmp_path)
    steps = backfill(given, date(2026, 10, 15), 2, tmp_path, seed=11)
    assert [(s.as_of, s.exit_code) for s in steps] == [
        (date(2026, 8, 31), 0),
        (date(2026, 9, 30), 0),
        (date(2026, 10, 15), 0),
    ]
    assert recorded == [
        ("generate", "small", 11, date(2026, 8, 31)),
        ("refresh", True, "2026-08-31", "http://sandbox"),
        ("stop",),
        ("generate", "small", 11, date(2026, 9, 30)),
        ("refresh", True, "2026-09-30", "http://sandbox"),
        ("stop",),
        ("generate", "small", 11, date(2026, 10, 15)),
        ("refresh", True, "2026-10-15", "http://sandbox"),
        ("stop",),
    ]
    assert given.as_of_date() == date(2026, 10, 15)  # each day has its own settings
    assert "PSOPS_AS_OF" not in os.environ  # nothing was written to the environment


def test_backfill_stops_at_the_first_refresh_that_does_not_publish(recorded, tmp_path):
    steps = backfill(settings(tmp_path), date(2026, 10, 15), 6, tmp_path)
    assert [(s.as_of, s.exit_code) for s in steps] == [
        (date(2026, 4, 30), 0),
        (date(2026, 5, 31), 0),
        (date(2026, 6, 30), 1),
    ]
    assert recorded[-1] == ("stop",)  # the servers are stopped even so


def test_replay_gate_config_only_lets_volume_drops_through(tmp_path):
    from orchestration.backfill import replay_gate_config

    gate = tmp_path / "gate.toml"
    gate.write_text("[volume]\ndrop_error_above = 0.10\nmin_rows = 20\n\n[samples]\nsize = 10\n")
    assert replay_gate_config(gate).splitlines() == [
        "[volume]",
        "drop_error_above = 1.0  # psops sandbox backfill: a replay is a new draw",
        "min_rows = 20",
        "",
        "[samples]",
        "size = 10",
    ]


def test_backfill_points_the_gate_at_the_replay_config(recorded, tmp_path, monkeypatch):
    import orchestration.refresh

    seen: list[str] = []
    recorder = orchestration.refresh.run_refresh

    def run_refresh(settings: Settings, full: bool, log_level: str) -> RefreshOutcome:
        seen.append(str(settings.gate_config))
        return recorder(settings, full=full, log_level=log_level)

    monkeypatch.setattr("orchestration.refresh.run_refresh", run_refresh)
    backfill(settings(tmp_path), date(2026, 10, 15), 0, tmp_path)
    assert seen == [str(tmp_path / "replay_gate.toml")]
    assert "drop_error_above = 1.0" in (tmp_path / "replay_gate.toml").read_text()
    assert "PSOPS_GATE_CONFIG" not in os.environ


def test_a_replay_drops_incremental_tables_except_those_that_keep_history(tmp_path):
    import duckdb

    from orchestration.backfill import drop_rebuildable_incrementals

    db = tmp_path / "psops.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts")
    for table in ("fct_utilization_daily", "fct_revenue_forecast_history", "dim_date"):
        con.execute(f"CREATE TABLE marts.{table} (x INTEGER)")
    con.close()

    def model(name: str, **config) -> dict:
        return {"resource_type": "model", "schema": "marts", "name": name, "config": config}

    manifest = {
        "nodes": {
            "a": model("fct_utilization_daily", materialized="incremental"),
            "b": model(
                "fct_revenue_forecast_history", materialized="incremental", full_refresh=False
            ),
            "c": model("dim_date", materialized="table"),
        }
    }
    assert drop_rebuildable_incrementals(db, manifest) == ["marts.fct_utilization_daily"]
    con = duckdb.connect(str(db), read_only=True)
    left = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    con.close()
    assert left == [("dim_date",), ("fct_revenue_forecast_history",)]
