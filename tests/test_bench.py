"""``make bench``'s program (``bench/``): the floor query of the dbt utilization path gives
marts.mart_utilization_monthly's numbers exactly, and the table it prints lines up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dbt_floor import (
    BUILD,
    COMPILE,
    DbtFloorResult,
    WholeGraphResult,
    check_floor,
    compare,
    run_dbt,
)
from bench.dbt_sql_alone import build_order, replay, statements
from bench.run import Row, dbt_rows, format_table, whole_graph_rows
from tests.conftest import SANDBOX_AS_OF
from tests.ingest_helpers import connector_env


@pytest.mark.slow
def test_the_floor_query_gives_the_marts_numbers_exactly(sandbox_servers, tmp_path: Path) -> None:
    """The small sandbox ingested, dbt builds +mart_utilization_monthly on it (seeds,
    snapshot, models; no tests: some test models outside the selection, which only a
    refreshed warehouse has), then the bench's check: the hand-written floor query
    computes the mart from the raw tables, value for value. The build's SQL replayed without
    dbt (the bench's "SQL alone") makes the same mart again."""
    from sources.common.runner import ingest_sources

    refreshed = tmp_path / "psops.duckdb"
    ingest_sources(refreshed, connector_env(sandbox_servers))
    as_of = SANDBOX_AS_OF.isoformat()
    (tmp_path / "dbt").mkdir()
    no_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    run_dbt([*BUILD, *no_tests], refreshed, as_of, tmp_path / "dbt")
    floor_s, rows, mismatches = check_floor(refreshed, as_of)
    assert rows > 100, "the mart has a row per month and org grouping"
    assert mismatches == [], mismatches[:10]
    assert floor_s > 0

    work = tmp_path / "dbt"
    order = build_order(work / "dbt-build.log")
    assert "model.psops.mart_utilization_monthly" == order[-1] and len(order) > 30
    run_dbt(COMPILE, refreshed, as_of, work)
    assert replay(refreshed, work / "target" / "manifest.json", work / "dbt-build.log") > 0
    assert check_floor(refreshed, as_of)[1:] == (rows, [])


def test_each_kind_of_node_replays_as_its_statements() -> None:
    model = {"resource_type": "model", "compiled_code": "select 1 as a", "relation_name": "m.t"}
    assert statements({**model, "config": {"materialized": "view"}}) == [
        "create or replace view m.t as select 1 as a"
    ]
    assert statements({**model, "config": {"materialized": "table"}}) == [
        "create or replace table m.t as select 1 as a"
    ]
    incremental = {"materialized": "incremental", "unique_key": ["k", "d"]}
    assert statements({**model, "config": incremental}) == [
        "create or replace temp table new_rows as select 1 as a",
        "delete from m.t where (k, d) in (select (k, d) from new_rows)",
        "insert into m.t by name from new_rows",
    ]
    one_key = {"materialized": "incremental", "unique_key": "as_of_date"}
    assert statements({**model, "config": one_key})[1] == (
        "delete from m.t where (as_of_date) in (select (as_of_date) from new_rows)"
    )
    test = {"resource_type": "test", "compiled_code": "select * from x where a is null"}
    assert statements({**test, "config": {}}) == [
        "select count(*) from (select * from x where a is null) as dbt_internal_test"
    ]
    seed = {"resource_type": "seed", "name": "s", "original_file_path": "seeds/s.csv"}
    (sql,) = statements({**seed, "config": {}})
    assert sql.startswith("create or replace temp table seed_s as from read_csv(")
    assert sql.endswith("dbt_project/seeds/s.csv')")


def test_compare_reports_every_kind_of_difference() -> None:
    columns = ["month_start", "grain", "region", "role", "team", "hours", "headcount"]
    mart = [("2026-01-01", "org", "All", "All", "All", 10.0, 3)]
    assert (
        compare(
            columns, [("2026-01-01", "org", "All", "All", "All", 10.0 + 1e-12, 3)], columns, mart
        )
        == []
    )
    zero = [("2026-01-01", "org", "All", "All", "All", 0.0, 3)]
    assert compare(columns, zero, columns, [zero[0][:5] + (-1.1102230246251565e-16, 3)]) == []
    changed = [("2026-01-01", "org", "All", "All", "All", 10.1, 4)]
    problems = compare(columns, changed, columns, mart)
    assert [p.split(": ")[0].rsplit(" ", 1)[1] for p in problems] == ["hours", "headcount"]
    other = [("2026-02-01", "org", "All", "All", "All", 10.0, 3)]
    assert {p.split(":")[0] for p in compare(columns, other, columns, mart)} == {
        "only in the floor",
        "only in the mart",
    }
    assert compare(columns[:-1], [], columns, mart)[0].startswith("columns differ")


def test_the_dbt_rows_split_a_build_into_start_sql_and_work_per_node() -> None:
    """dbt's own work a node = (build - the command's start - the SQL alone) / nodes:
    (8.5 - 2.5 - 1.7) s / 148 nodes = 29 ms; (25.0 - 2.5 - 4.5) s / 450 nodes = 40 ms."""
    path = DbtFloorResult(8.5, 5.1, 0.85, 2.5, 1.7, 148, 2452)
    build, _, one_view, sql_alone = dbt_rows(path)
    assert (build.psops, build.floor, build.ratio) == ("8.5", "0.85", "10.0x")
    assert "2,452 rows identical" in build.note
    assert (one_view.ratio, sql_alone.ratio) == ("2.9x", "2.0x")
    assert sql_alone.note.endswith("dbt's own work: ~29 ms a node (148 nodes)")
    (whole,) = whole_graph_rows(WholeGraphResult(25.0, 4.5, 450), start_s=2.5)
    assert (whole.psops, whole.floor, whole.ratio) == ("25.0", "4.50", "5.6x")
    assert whole.note.endswith("dbt's own work: ~40 ms a node (450 nodes)")


def test_the_table_aligns_its_columns() -> None:
    text = format_table(
        [
            Row("ingest jira (records/s)", "3,021", "4,567", "1.51x", "goal <= 1.50x"),
            Row("refresh --full (s)", "168.4", note="peak RSS 596 MB"),
        ]
    )
    head, rule, first, second = text.splitlines()
    assert head.startswith("measure") and set(rule) == {"-"} and len(rule) == len(head)
    assert first.index("3,021") + len("3,021") == second.index("168.4") + len("168.4")
    assert first.endswith("goal <= 1.50x") and second.endswith("peak RSS 596 MB")


def test_the_sandbox_restarts_on_the_same_urls(sandbox_db: Path) -> None:
    """``psops sandbox serve --port``: Jira's URL (written into every Jira record) stays the
    same across a restart, so the bench's incremental refresh sees what a vendor's would."""
    from bench.sandbox import free_port_run
    from sources.sandbox.serve import environment, start_all, stop_all

    first = free_port_run()
    urls = []
    for _ in range(2):
        servers = start_all(sandbox_db, first_port=first)
        try:
            env = environment(servers)
            urls.append([env["JIRA_URL"], env["SFDC_INSTANCE_URL"], env["KANTATA_URL"]])
        finally:
            stop_all(servers)
    assert urls[0] == urls[1]
    assert [url.rsplit(":", 1)[1] for url in urls[0]] == [str(first + n) for n in range(3)]
