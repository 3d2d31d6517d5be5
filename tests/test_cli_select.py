"""``psops refresh --select``: names → Dagster asset selections (no refresh is run)."""

from __future__ import annotations

import pytest
from dagster import AssetKey

from orchestration.cli import main
from orchestration.defs.definitions import build_definitions
from orchestration.refresh import (
    PUBLISH_KEY,
    UnknownSelection,
    resolve_selection,
    selected_asset_keys,
    selected_sources,
)
from orchestration.settings import Settings

DEFS = build_definitions(Settings.from_mapping({}))


def keys(*names: str) -> set[str]:
    return {key.to_user_string() for key in selected_asset_keys(DEFS, list(names))}


def test_select_marts_sla_is_its_marts_what_reads_them_and_publish():
    assert keys("marts_sla") == {
        "marts/dq_tickets_without_policy",
        "marts/fct_sla_clocks",
        "marts/mart_metric_values",
        "marts/mart_sla_attainment_monthly",
        "marts/mart_sokr_scorecard",
        "publish",
    }


def test_select_a_source_ingests_only_that_source_and_runs_what_is_downstream():
    selected = selected_asset_keys(DEFS, ["kantata"])
    assert selected_sources(DEFS, selected) == {"kantata"}
    assert AssetKey(["raw_kantata", "time_entries"]) in selected
    assert not any(key.path[0] in ("raw_jira", "raw_salesforce") for key in selected)
    assert AssetKey(["marts", "fct_utilization_daily"]) in selected
    assert PUBLISH_KEY in selected


def test_select_staging_ingests_nothing_and_reaches_publish():
    selected = selected_asset_keys(DEFS, ["staging"])
    assert selected_sources(DEFS, selected) == set()
    assert {key.path[0] for key in selected} == {
        "staging",
        "intermediate",
        "snapshots",
        "marts",
        "publish",
    }


def test_select_is_repeatable_and_raw_means_every_source():
    assert selected_sources(DEFS, selected_asset_keys(DEFS, ["jira", "salesforce"])) == {
        "jira",
        "salesforce",
    }
    assert selected_sources(DEFS, selected_asset_keys(DEFS, ["raw"])) == {
        "jira",
        "kantata",
        "salesforce",
    }


def test_unknown_select_name_lists_the_valid_ones():
    with pytest.raises(UnknownSelection) as raised:
        resolve_selection(DEFS, ["kantata", "nope"])
    assert raised.value.unknown == ["nope"]
    assert {"jira", "kantata", "salesforce", "raw", "staging", "marts_sla", "publish"} <= set(
        raised.value.valid
    )


def test_refresh_with_an_unknown_select_exits_2_before_writing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", str(tmp_path / "wh"))

    assert main(["refresh", "--select", "marts_slaa"]) == 2

    err = capsys.readouterr().err
    assert "unknown --select marts_slaa" in err
    assert "Valid names: intermediate, jira, kantata, marts, " in err
    assert not (tmp_path / "wh").exists()
