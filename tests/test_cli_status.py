"""``psops status`` and ``psops marts`` against a hand-built warehouse (no refresh)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.status import format_age, reference_time
from sources.common.quarantine import ensure_quarantine_table

AS_OF = "2026-10-15"  # freshness is measured against 2026-10-16 00:00 (the as-of day's end)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", str(tmp_path / "wh"))
    monkeypatch.setenv("PSOPS_AS_OF", AS_OF)
    return tmp_path / "wh"


def build_pipeline_db(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(root / "psops.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute(
        """CREATE TABLE raw._ingest_state (source VARCHAR, stream VARCHAR,
           cursor_value VARCHAR, updated_at TIMESTAMP, rows_loaded BIGINT)"""
    )
    con.executemany(
        "INSERT INTO raw._ingest_state VALUES (?, ?, ?, ?, ?)",
        [
            ("jira", "issues", "2026-10-15T23:20:00", datetime(2026, 10, 15, 23, 30), 1200),
            ("jira", "users", None, datetime(2026, 10, 15, 23, 10), 40),
            ("kantata", "time_entries", "2026-10-15T22:00", datetime(2026, 10, 15, 22, 15), 9000),
            ("salesforce", "Opportunity", "2026-10-14T19:59", datetime(2026, 10, 14, 20, 0), 310),
        ],
    )
    ensure_quarantine_table(con)
    con.execute(
        """INSERT INTO raw._quarantine (source, object, record_id, reason, resolved_at)
           VALUES ('kantata', 'time_entries', '1', 'negative hours', NULL),
                  ('kantata', 'time_entries', '2', 'bad date', NULL),
                  ('jira', 'issues', 'PS-1', 'missing key', TIMESTAMP '2026-10-15 10:00')"""
    )
    con.close()


def build_analytics_db(root: Path) -> None:
    con = duckdb.connect(str(root / "analytics.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_utilization_daily AS SELECT * FROM range(5)")
    con.execute("CREATE TABLE marts.mart_sla_attainment_monthly AS SELECT * FROM range(3)")
    con.execute(
        """CREATE TABLE marts._publish_log (run_id VARCHAR, as_of_date DATE,
           published_at TIMESTAMP, mart VARCHAR, row_count BIGINT, check_summary VARCHAR)"""
    )
    old, new = datetime(2026, 10, 14, 9, 0), datetime(2026, 10, 15, 23, 40)
    con.executemany(
        "INSERT INTO marts._publish_log VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("run-old", date(2026, 10, 14), old, "fct_utilization_daily", 4, "old"),
            ("run-new", date(2026, 10, 15), new, "fct_utilization_daily", 5, "41 passed"),
            ("run-new", date(2026, 10, 15), new, "mart_sla_attainment_monthly", 3, "41 passed"),
        ],
    )
    con.close()


def test_status_without_a_warehouse_says_so_and_exits_0(warehouse, capsys):
    assert main(["status"]) == 0
    assert "No warehouse at" in capsys.readouterr().out


def test_status_shows_each_source_freshness_quarantine_and_last_publish(warehouse, capsys):
    build_pipeline_db(warehouse)
    build_analytics_db(warehouse)

    assert main(["status"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "Sources (freshness against 2026-10-16 00:00 UTC):"
    jira = next(line for line in lines if line.startswith("  jira "))
    assert "last load 2026-10-15 23:30" in jira and "age 30m " in jira
    assert " fresh " in jira and "1,240 rows" in jira and "2 streams" in jira
    kantata = next(line for line in lines if line.startswith("  kantata "))
    assert "age 1h 45m" in kantata and " warn " in kantata and "9,000 rows" in kantata
    salesforce = next(line for line in lines if line.startswith("  salesforce "))
    assert "age 1d 4h" in salesforce and " STALE " in salesforce
    issues = next(line for line in lines if line.strip().startswith("issues "))
    assert "2026-10-15 23:30" in issues and "cursor 2026-10-15T23:20:00" in issues
    assert "Quarantine: 2 open records (3 ever quarantined)" in lines
    assert (
        "Last publish: run run-new, as of 2026-10-15, at 2026-10-15 23:40 UTC, 2 marts, 8 rows"
        in lines
    )
    assert "  checks: 41 passed" in lines


def test_status_before_the_first_publish_says_none_yet(warehouse, capsys):
    build_pipeline_db(warehouse)
    assert main(["status"]) == 0
    assert "Last publish: none yet (no analytics.duckdb)" in capsys.readouterr().out


def test_marts_lists_published_marts_with_row_counts(warehouse, capsys):
    build_pipeline_db(warehouse)
    build_analytics_db(warehouse)

    assert main(["marts"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        f"  {'fct_utilization_daily':<32} {5:>10,} rows",
        f"  {'mart_sla_attainment_monthly':<32} {3:>10,} rows",
    ]


def test_marts_before_anything_was_published_says_so_and_exits_0(warehouse, capsys):
    assert main(["marts"]) == 0
    assert "Nothing published yet" in capsys.readouterr().out


def test_docs_without_a_warehouse_exits_2_naming_the_fix(warehouse, capsys):
    assert main(["docs"]) == 2
    assert "run `psops refresh` first" in capsys.readouterr().err


def test_freshness_is_measured_against_the_end_of_a_past_as_of_day():
    now = datetime(2026, 11, 28, 14, 0)
    assert reference_time(date(2026, 10, 15), now) == datetime(2026, 10, 16)
    assert reference_time(date(2026, 12, 1), now) == now
    assert reference_time(None, now) == now


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(12, "12m"), (185, "3h 05m"), (3 * 1440 + 61, "3d 1h"), (-5, "after as-of")],
)
def test_format_age(minutes, shown):
    from datetime import timedelta

    assert format_age(timedelta(minutes=minutes)) == shown


def test_the_demo_summary_reads_org_utilization_forecast_and_scorecard_from_the_marts(
    warehouse, capsys
):
    warehouse.mkdir(parents=True)
    con = duckdb.connect(str(warehouse / "analytics.duckdb"))
    con.execute("CREATE SCHEMA marts")
    # as of 2026-10-15 the last full month is September: 30 / 48 = 62.5%
    con.execute(
        """CREATE TABLE marts.mart_utilization_monthly AS SELECT * FROM (VALUES
           (DATE '2026-09-01', 'org', 30.0 / 48.0), (DATE '2026-09-01', 'region', 0.9),
           (DATE '2026-10-01', 'org', 0.1), (DATE '2026-08-01', 'org', 0.2))
           t(month_start, grain, billable_utilization)"""
    )
    con.execute(
        """CREATE TABLE marts.mart_revenue_forecast AS SELECT * FROM (VALUES
           ('2026-Q4', DATE '2026-10-01', DATE '2026-10-15', 'scheduled', 5.0),
           ('2027-Q1', DATE '2027-01-01', DATE '2026-10-15', 'scheduled', 1000.0),
           ('2027-Q1', DATE '2027-02-01', DATE '2026-10-15', 'scheduled', 500.0),
           ('2027-Q1', DATE '2027-01-01', DATE '2026-10-15', 'actual', 0.0),
           ('2027-Q2', DATE '2027-04-01', DATE '2026-10-15', 'scheduled', 9.0))
           t(quarter, month_start, as_of_date, layer, amount)"""
    )
    con.execute(
        """CREATE TABLE marts.mart_sokr_scorecard AS SELECT * FROM (VALUES
           ('Grow', 1, 'KR-1a', 'Attach rate', 0.72, 0.75, 0.86, 'at_risk', false),
           ('Grow', 1, 'KR-0z', 'Old KR', 1.0, 1.0, 1.0, 'on_track', true))
           t(objective, objective_id, kr_id, description, actual, target, score, status,
             is_closed_quarter)"""
    )
    con.close()
    from orchestration.cli import print_summary
    from orchestration.settings import Settings

    print_summary(Settings.from_env(), 12)
    out = capsys.readouterr().out
    assert "Org billable utilization, September 2026 (last full month): 62.5%" in out
    assert "Revenue forecast, 2027-Q1 (next quarter), by layer:" in out
    assert f"  {'actual':<22} {0:>14,.0f}\n  {'scheduled':<22} {1500:>14,.0f}" in out
    assert f"  {'total':<22} {1500:>14,.0f}" in out
    assert "KR-1a" in out and "actual      0.72 target 0.75 score 0.86 at_risk" in out
    assert "KR-0z" not in out
    assert out.rstrip().endswith("Checks passed: 12")


def test_the_command_exits_with_mains_code_after_the_exit_handlers(tmp_path: Path) -> None:
    """``psops`` (``orchestration.cli.run``) leaves without Python's teardown: the exit code
    is ``main``'s, the output is all there and the ``atexit`` handlers ran."""
    import subprocess
    import sys

    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', flush=True))\n"
        "sys.argv = ['psops', 'refresh']\n"
        "from orchestration.cli import run\n"
        "run()\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PSOPS_WAREHOUSE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # no .env
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr  # no source configured: a config error
    assert "configuration error" in result.stderr
    assert "Nothing was written." in result.stderr
    assert result.stdout.strip().endswith("exit handler ran")
