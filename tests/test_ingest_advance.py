"""Incremental ingestion against a sandbox moved forward a day (`sandbox advance`): the
incremental run asks only for what changed (the servers' request logs say so) and lands
what a full refresh of the advanced dataset lands; `--full` marks what vanished deleted."""

from __future__ import annotations

import os

import pytest

from sources.common.runner import ingest_sources
from sources.kantata.extract import READS
from sources.sandbox.advance import advance
from tests.ingest_helpers import connector_env, query, serving, snapshot, use_env

pytestmark = pytest.mark.e2e

RECONCILED = ("raw_jira.", "raw_kantata.")  # no deleted flag from the API: --full reconciles
# Kantata objects without a documented updated_at sort and filter: read whole, and so
# reconciled, every run
KANTATA_READ_WHOLE = {name for name, read in READS.items() if not read.incremental}
WITH_DELETES = [
    "raw_jira.issues",
    "raw_jira.issue_changelog",
    "raw_kantata.time_entries",
    "raw_kantata.time_off_entries",
]


@pytest.fixture(scope="module")
def advanced(make_sandbox, tmp_path_factory: pytest.TempPathFactory):
    """Ingest the small org, advance it a day, ingest incrementally, then --full."""
    sandbox_db = make_sandbox()
    db = tmp_path_factory.mktemp("advance") / "psops.duckdb"
    mp = pytest.MonkeyPatch()
    try:
        with serving(sandbox_db) as servers:
            use_env(mp, connector_env(servers))
            ingest_sources(db, os.environ)
        changes = advance(sandbox_db.parent, days=1)
        with serving(sandbox_db) as servers:
            use_env(mp, connector_env(servers))
            incremental = ingest_sources(db, os.environ)
            names = ("jira", "salesforce", "kantata")  # start_all's order
            requests = {name: s.requests for name, s in zip(names, servers, strict=True)}
        after_incremental = snapshot(db)
        with serving(sandbox_db) as servers:
            use_env(mp, connector_env(servers))
            ingest_sources(db, os.environ, full=True)
    finally:
        mp.undo()
    return {
        "db": db,
        "changes": changes,
        "incremental": incremental,
        "requests": requests,
        "after_incremental": after_incremental,
    }


def _changed(changes: dict, table: str) -> int:
    counts = changes.get(table, {})
    return counts.get("new", 0) + counts.get("updated", 0)


def test_the_incremental_run_asks_kantata_only_for_records_updated_after_each_cursor(
    advanced,
) -> None:
    lists = [r for r in advanced["requests"]["kantata"] if r.path.startswith("/api/v1/")]
    reads = [r for r in lists if "page" in r.query]  # not the credential check (per_page=1)
    incremental = [r for r in reads if _kantata_object(r.path) not in KANTATA_READ_WHOLE]
    assert incremental and all("updated_after" in r.query for r in incremental)
    assert all(r.query["page"] == "1" for r in incremental)  # one page each: only the changes


def test_kantata_objects_without_a_documented_cursor_are_read_whole_every_run(advanced) -> None:
    lists = [r for r in advanced["requests"]["kantata"] if r.path.startswith("/api/v1/")]
    whole = [r for r in lists if _kantata_object(r.path) in KANTATA_READ_WHOLE]
    assert {_kantata_object(r.path) for r in whole} == KANTATA_READ_WHOLE
    assert not any("updated_after" in r.query for r in whole)
    results = {r.stream: r for r in advanced["incremental"]["kantata"]}
    assert {name for name, r in results.items() if r.read_whole} == KANTATA_READ_WHOLE


def _kantata_object(path: str) -> str:
    return path.removeprefix("/api/v1/").removesuffix(".json")


def test_the_incremental_run_asks_salesforce_and_jira_from_their_cursors(advanced) -> None:
    soql = [r.query["q"] for r in advanced["requests"]["salesforce"] if "q" in r.query]
    assert len(soql) == 5
    assert all(" WHERE SystemModstamp >= " in q for q in soql)
    searches = [r for r in advanced["requests"]["jira"] if r.path.endswith("/search/jql")]
    assert len(searches) == 1  # one page of changed issues
    assert 'updated >= "' in searches[0].body["jql"]


def test_the_incremental_run_reads_the_changed_records_and_hardly_more(advanced) -> None:
    received = {
        stats.table: stats.received
        for results in advanced["incremental"].values()
        for result in results
        for stats in result.tables.values()
    }
    for table in ("kantata_time_entries", "jira_issues", "salesforce_opportunity"):
        system, name = table.split("_", 1)
        changed = _changed(advanced["changes"], table)
        got = received[f"raw_{system}.{name}"]
        assert changed <= got <= changed + 10, (table, changed, got)


def test_incremental_rows_equal_a_full_refresh_of_the_advanced_dataset(advanced) -> None:
    full = snapshot(advanced["db"])
    incremental = advanced["after_incremental"]
    for table, rows in full.items():
        if table.removeprefix("raw_kantata.") in KANTATA_READ_WHOLE:
            assert rows == incremental[table], table  # deletes reconciled on every run
        elif table.startswith(RECONCILED):  # their deletes show only to --full (below)
            live = {r for r in rows if r[-1] is False}
            vanished = [r[:-1] + (False,) for r in rows if r[-1] is True]
            assert [r for r in incremental[table] if r not in live] == vanished, table
            assert len(vanished) == _deleted(advanced, table), table
        elif table != "raw._quarantine":
            assert rows == incremental[table], table


def _deleted(advanced, table: str) -> int:
    system, name = table.removeprefix("raw_").split(".")
    return advanced["changes"].get(f"{system}_{name}", {}).get("deleted", 0)


def test_full_marks_exactly_what_vanished_deleted_and_keeps_it(advanced) -> None:
    for table in WITH_DELETES:
        flagged = query(advanced["db"], f"SELECT count(*) FROM {table} WHERE _deleted")[0][0]
        stamped = query(
            advanced["db"], f"SELECT count(*) FROM {table} WHERE _deleted_at IS NOT NULL"
        )[0][0]
        assert flagged == stamped == _deleted(advanced, table) > 0, table


def test_salesforce_deletes_arrive_incrementally_through_is_deleted(advanced) -> None:
    rows = advanced["after_incremental"]["raw_salesforce.opportunity"]
    deleted = sum(1 for r in rows if r[-1] is True)
    assert deleted >= advanced["changes"]["salesforce_opportunity"]["deleted"] > 0
