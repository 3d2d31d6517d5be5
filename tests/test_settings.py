"""``orchestration.settings.Settings``: the environment read once, ``.env`` under it, nothing
written back; per-day and sandbox variants for backfill and ``psops demo``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from orchestration.settings import DEFAULT_GATE_CONFIG, Settings
from sources.common.errors import SourceConfigError


def test_real_variables_win_over_dotenv_and_nothing_is_written_back(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("PSOPS_AS_OF=2026-01-02\nKANTATA_URL=http://from-dotenv\nEMPTY\n")
    before = dict(os.environ)

    settings = Settings.from_env({"PSOPS_AS_OF": "2026-10-15"}, dotenv=dotenv)

    assert settings.as_of_date() == date(2026, 10, 15)
    assert settings.environ["KANTATA_URL"] == "http://from-dotenv"
    assert "EMPTY" not in settings.environ
    assert dict(os.environ) == before
    with pytest.raises(TypeError):
        settings.environ["X"] = "y"  # type: ignore[index]  # a read-only snapshot


def test_no_dotenv_reads_exactly_the_mapping(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PSOPS_AS_OF=2026-01-02\n")
    assert Settings.from_env({}, dotenv=None).as_of is None
    assert Settings.from_env({}).as_of == date(2026, 1, 2)  # default: ./.env


def test_defaults_and_an_invalid_as_of_named_when_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_mapping({})
    assert settings.warehouse.root == tmp_path / "warehouse"
    assert settings.gate_config == DEFAULT_GATE_CONFIG and not settings.gate_config_named
    assert (settings.alerts, settings.alert_webhook_url, settings.dagster_home) == (None,) * 3
    bad = Settings.from_mapping({"PSOPS_AS_OF": "15/10/2026"})
    with pytest.raises(SourceConfigError) as raised:
        bad.as_of_date()
    assert raised.value.variable == "PSOPS_AS_OF"


def test_a_backfill_day_and_the_sandbox_are_new_settings(tmp_path: Path) -> None:
    base = Settings.from_mapping({"PSOPS_AS_OF": "2026-10-15", "PSOPS_DQ_JIRA_PROJECT": "ops"})
    day = base.for_day(date(2026, 9, 30), tmp_path / "replay.toml").with_values(
        {"KANTATA_URL": "http://127.0.0.1:1"}
    )
    assert day.as_of_date() == date(2026, 9, 30)
    assert day.gate_config == tmp_path / "replay.toml" and day.gate_config_named
    assert day.environ["KANTATA_URL"] == "http://127.0.0.1:1"
    assert day.alerts is not None and day.alerts.project == "OPS"
    assert base.as_of_date() == date(2026, 10, 15) and "KANTATA_URL" not in base.environ
