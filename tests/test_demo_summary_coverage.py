"""`psops demo`'s summary: coverage gaps by segment and the pre-sales scoping turnaround,
read from hand-made marts (and nothing printed while those marts are not built)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.cli import print_summary
from orchestration.settings import Settings


def settings(root: Path) -> Settings:
    return Settings.from_mapping({"PSOPS_WAREHOUSE_DIR": str(root), "PSOPS_AS_OF": "2026-11-20"})


def analytics(root: Path) -> duckdb.DuckDBPyConnection:
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(root / "analytics.duckdb"))
    con.execute("CREATE SCHEMA marts")
    # the marts the rest of the summary reads, empty
    con.execute(
        """CREATE TABLE marts.mart_utilization_monthly (month_start DATE, grain VARCHAR,
           billable_utilization DOUBLE)"""
    )
    con.execute(
        """CREATE TABLE marts.mart_revenue_forecast (quarter VARCHAR, month_start DATE,
           as_of_date DATE, layer VARCHAR, amount DOUBLE)"""
    )
    con.execute(
        """CREATE TABLE marts.mart_sokr_scorecard (objective VARCHAR, objective_id INTEGER,
           kr_id VARCHAR, description VARCHAR, actual DOUBLE, target DOUBLE, score DOUBLE,
           status VARCHAR, is_closed_quarter BOOLEAN)"""
    )
    return con


def test_coverage_gaps_and_presales_turnaround_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    con = analytics(tmp_path)
    # Enterprise: 20 accounts at 4 per FTE → 5 required, 3.5 in delivery: gap 1.5, 70%
    con.execute(
        """CREATE TABLE marts.mart_coverage_quarterly AS SELECT * FROM (VALUES
           ('2026-Q4', 'segment', 'All', 'Enterprise', 'All', 5.0, 3.5, 1.5, 0.7),
           ('2026-Q4', 'segment', 'All', 'Mid-Market', 'All', 2.0, 2.5, -0.5, 1.25),
           ('2026-Q4', 'all', 'All', 'All', 'All', 7.0, 6.0, 1.0, 0.857),
           ('2026-Q3', 'segment', 'All', 'Enterprise', 'All', 9.0, 1.0, 8.0, 0.11))
           t(quarter, grain, region, segment, role, required_fte, delivery_fte, fte_gap,
             coverage_ratio)"""
    )
    # as of 2026-11-20: the last full month is October
    con.execute(
        """CREATE TABLE marts.mart_presales_monthly AS SELECT * FROM (VALUES
           (DATE '2026-10-01', 'all', 'All', 'All', 4, 3, 10.0, 31.5, 0.75),
           (DATE '2026-10-01', 'region', 'EMEA', 'All', 1, 1, 99.0, 99.0, 0.0),
           (DATE '2026-11-01', 'all', 'All', 'All', 2, 1, 6.0, 6.0, 1.0))
           t(month, grain, region, segment, requests_opened, requests_scoped,
             median_hours_to_scope, p90_hours_to_scope, scoping_sla_attainment)"""
    )
    # Q4 to date: 4 opened since Oct 1 (r2..r5); scoped since: 4 h (met), 10 h (met),
    # 20 h (breached) → median 10, p90 = 10 + 0.8 × 10 = 18; SLA: those 3 and r5 (unscoped,
    # already breached) → met 2 of 4 = 50%
    con.execute(
        """CREATE TABLE marts.fct_presales_requests AS SELECT * FROM (VALUES
           ('r1', TIMESTAMP '2026-09-25 09:00', TIMESTAMP '2026-10-02 09:00', 4.0, true),
           ('r2', TIMESTAMP '2026-10-05 09:00', TIMESTAMP '2026-10-06 09:00', 10.0, true),
           ('r3', TIMESTAMP '2026-10-20 09:00', TIMESTAMP '2026-11-02 09:00', 20.0, false),
           ('r4', TIMESTAMP '2026-11-18 09:00', NULL, NULL, NULL),
           ('r5', TIMESTAMP '2026-11-02 09:00', NULL, NULL, false),
           ('r0', TIMESTAMP '2026-06-01 09:00', TIMESTAMP '2026-06-03 09:00', 50.0, false))
           t(issue_key, requested_at, scoped_at, business_hours_to_scope, sla_met)"""
    )
    con.close()

    print_summary(settings(tmp_path), 3)

    out = capsys.readouterr().out
    assert "Coverage by segment, 2026-Q4 (FTE required vs in delivery):" in out
    lines = out.splitlines()
    enterprise = next(line for line in lines if line.strip().startswith("Enterprise"))
    assert enterprise.split() == ["Enterprise", "5.0", "3.5", "+1.5", "70%"]
    mid = lines[lines.index(enterprise) + 1]
    assert mid.split() == ["Mid-Market", "2.0", "2.5", "-0.5", "125%"]
    assert "Pre-sales scoping turnaround (business hours to scope):" in out
    october = next(line for line in lines if line.strip().startswith("October 2026"))
    assert october.split()[2:] == ["4", "10.0", "31.5", "75%"]
    qtd = next(line for line in lines if "2026-Q4 to date" in line)
    assert qtd.split()[3:] == ["4", "10.0", "18.0", "50%"]
    assert out.rstrip().endswith("Checks passed: 3")


def test_missing_marts_print_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    analytics(tmp_path).close()

    print_summary(settings(tmp_path), 0)

    out = capsys.readouterr().out
    assert "Coverage" not in out and "Pre-sales" not in out
    assert out.rstrip().endswith("Checks passed: 0")


def test_a_mart_without_the_contract_columns_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    con = analytics(tmp_path)
    con.execute("CREATE TABLE marts.mart_coverage_quarterly AS SELECT 1 AS x")
    con.close()

    print_summary(settings(tmp_path), 0)

    assert "Coverage" not in capsys.readouterr().out
