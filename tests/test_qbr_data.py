"""The QBR pack's queries (orchestration/reports/qbr_data.py) on a small hand-built
analytics.duckdb: every expected number below is worked out by hand from the rows of
``build_analytics`` (the arithmetic is in the comment beside it).

The warehouse: published by run 'run-new' as of 2026-11-18 (a Wednesday, in 2026-Q4);
two regions, EMEA (customer Euro Bank, Jira project EM1) and AMER (Amer Retail, AM1),
plus an internal project INT with no region; data in 2026-Q3 and 2026-Q4."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.reports.model import Pack, Section
from orchestration.reports.qbr_data import (
    NothingPublished,
    ReportInputError,
    build_pack,
)

D = date.fromisoformat


def TS(text: str) -> datetime:  # noqa: N802 - reads like D
    return datetime.fromisoformat(text)


# ----------------------------------------------------------------------------- the warehouse


def _utilization_rows() -> list[tuple[Any, ...]]:
    """14 months (2025-10 .. 2026-11), index i = 0..13.  billable = 0.50 + i/100 + offset
    (EMEA +0.10, AMER +0.00, org +0.05); productive = billable + 0.05; 2026-11 is to date."""
    rows = []
    for i in range(14):
        month = date(2025 + (9 + i) // 12, (9 + i) % 12 + 1, 1)
        complete = month < date(2026, 11, 1)
        for grain, region, offset, target in (
            ("region", "EMEA", 0.10, 0.70),
            ("region", "AMER", 0.00, 0.65),
            ("org", "All", 0.05, 0.68),
        ):
            billable = 0.50 + i / 100 + offset
            rows.append((month, grain, region, billable, billable + 0.05, target, 160.0, complete))
    # another grain: never drawn
    rows.append((D("2026-11-01"), "role", "EMEA", 0.99, 0.99, 0.5, 10.0, False))
    return rows


# A key result of mart_sokr_scorecard: objective_id, objective, kr_id, description, metric,
# scope_type, scope_value.
KR_ORG = ("O1", "Billable org", "KR-1a", "Org util 50 to 70", "billable_utilization", "org", "all")
KR_EMEA = (
    "O1",
    "Billable org",
    "KR-1b",
    "EMEA util 60 to 70",
    "billable_utilization",
    "region",
    "EMEA",
)
KR_AMER = (
    "O2",
    "Sell services",
    "KR-2a",
    "AMER bookings 1M",
    "bookings_closed_won",
    "region",
    "AMER",
)
KR_Q3 = ("O3", "Old quarter", "KR-3a", "Org util Q3", "billable_utilization", "org", "all")


TABLES: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "_publish_log": (
        "run_id VARCHAR, as_of_date DATE, published_at TIMESTAMP, mart VARCHAR, "
        "row_count BIGINT, check_summary VARCHAR",
        [
            ("run-old", D("2026-09-30"), TS("2026-09-30 06:00"), "dim_customer", 2, "9 passed"),
            (
                "run-new",
                D("2026-11-18"),
                TS("2026-11-18 06:00"),
                "dim_customer",
                2,
                "3 passed, 1 warned, 0 failed",
            ),
            (
                "run-new",
                D("2026-11-18"),
                TS("2026-11-18 06:00"),
                "dim_engagement",
                4,
                "3 passed, 1 warned, 0 failed",
            ),
        ],
    ),
    "mart_sokr_scorecard": (
        "as_of_date DATE, quarter VARCHAR, objective_id VARCHAR, objective VARCHAR, "
        "kr_id VARCHAR, description VARCHAR, metric VARCHAR, scope_type VARCHAR, "
        "scope_value VARCHAR, baseline DOUBLE, target DOUBLE, actual DOUBLE, score DOUBLE, "
        "expected DOUBLE, status VARCHAR",
        [
            # as of, quarter, key result, baseline, target, actual, score, expected, status
            # the latest snapshot of 2026-Q4
            (D("2026-11-18"), "2026-Q4", *KR_ORG, 0.5, 0.7, 0.6, 0.5, 1.0, "off_track"),
            (D("2026-11-18"), "2026-Q4", *KR_EMEA, 0.6, 0.7, 0.68, 0.8, 1.0, "at_risk"),
            (D("2026-11-18"), "2026-Q4", *KR_AMER, 0.0, 1e6, 6e5, 0.6, 0.5, "on_track"),
            # an older snapshot of 2026-Q4: never shown
            (D("2026-11-11"), "2026-Q4", *KR_ORG, 0.5, 0.7, 0.7, 1.0, 1.0, "on_track"),
            (D("2026-11-18"), "2026-Q3", *KR_Q3, 0.5, 0.7, 0.55, 0.25, 1.0, "missed"),
        ],
    ),
    "mart_utilization_monthly": (
        "month_start DATE, grain VARCHAR, region VARCHAR, billable_utilization DOUBLE, "
        "productive_utilization DOUBLE, target_utilization DOUBLE, available_hours DOUBLE, "
        "is_complete_month BOOLEAN",
        _utilization_rows(),
    ),
    "dim_customer": (
        "customer_key VARCHAR, customer_name VARCHAR, region VARCHAR",
        [("C-EM", "Euro Bank", "EMEA"), ("C-AM", "Amer Retail", "AMER")],
    ),
    "dim_engagement": (
        "engagement_id VARCHAR, engagement_name VARCHAR, customer_key VARCHAR, "
        "jira_project_key VARCHAR, is_budgeted BOOLEAN, budgeted_hours DOUBLE",
        [
            ("E1", "Euro Bank - Implementation", "C-EM", "EM1", True, 100.0),
            ("E2", "Amer Retail - Rollout", "C-AM", "AM1", True, 50.0),
            ("E3", "Euro Bank - Phase 2", "C-EM", None, True, 20.0),
            ("E9", "PS Internal", None, "INT", False, None),
        ],
    ),
    "fct_time_entries": (
        "engagement_id VARCHAR, date_day DATE, hours DOUBLE, counts_toward_utilization BOOLEAN",
        [
            ("E1", D("2026-08-10"), 80.0, True),
            ("E1", D("2026-10-12"), 30.0, True),
            ("E1", D("2026-10-13"), 10.0, False),  # rejected: counts nowhere
            ("E2", D("2026-10-05"), 40.0, True),
            ("E2", D("2026-11-02"), 25.0, True),
            ("E3", D("2026-10-01"), 5.0, True),
            ("E9", D("2026-10-01"), 100.0, True),  # internal, no budget
        ],
    ),
    "mart_sla_attainment_monthly": (
        "month_start DATE, project_key VARCHAR, priority VARCHAR, metric VARCHAR, "
        "met_count BIGINT, breached_count BIGINT",
        [
            (D("2026-10-01"), "EM1", "Highest", "resolution", 3, 1),
            (D("2026-11-01"), "EM1", "Highest", "resolution", 1, 1),
            (D("2026-10-01"), "AM1", "Highest", "resolution", 2, 0),
            (D("2026-11-01"), "AM1", "High", "first_response", 4, 1),
            (D("2026-11-01"), "INT", "High", "first_response", 5, 5),
            (D("2026-09-01"), "EM1", "Highest", "resolution", 10, 10),  # 2026-Q3
        ],
    ),
    "fct_sla_clocks": (
        "issue_key VARCHAR, project_key VARCHAR, priority VARCHAR, metric VARCHAR, "
        "goal_business_hours DOUBLE, elapsed_business_hours DOUBLE, started_at TIMESTAMP, "
        "stopped_at TIMESTAMP, is_running BOOLEAN, sla_status VARCHAR, stop_month DATE",
        [
            (
                "EM1-1",
                "EM1",
                "Highest",
                "resolution",
                8.0,
                12.5,
                TS("2026-10-05 09:00"),
                TS("2026-10-07 10:00"),
                False,
                "breached",
                D("2026-10-01"),
            ),
            (
                "EM1-2",
                "EM1",
                "Highest",
                "resolution",
                8.0,
                9.0,
                TS("2026-11-10 09:00"),
                None,
                True,
                "breached",
                D("2026-11-01"),
            ),
            (
                "AM1-1",
                "AM1",
                "Highest",
                "resolution",
                8.0,
                3.0,
                TS("2026-10-06 09:00"),
                TS("2026-10-06 12:00"),
                False,
                "met",
                D("2026-10-01"),
            ),
            (
                "AM1-2",
                "AM1",
                "High",
                "first_response",
                4.0,
                6.0,
                TS("2026-11-03 09:00"),
                TS("2026-11-03 15:00"),
                False,
                "breached",
                D("2026-11-01"),
            ),
            (
                "AM1-3",
                "AM1",
                "High",
                "resolution",
                24.0,
                2.0,
                TS("2026-11-03 09:00"),
                TS("2026-11-03 11:00"),
                False,
                "met",
                D("2026-11-01"),
            ),
            (
                "INT-1",
                "INT",
                "Highest",
                "first_response",
                1.0,
                3.0,
                TS("2026-10-20 10:00"),
                TS("2026-10-20 13:00"),
                False,
                "breached",
                D("2026-10-01"),
            ),
            (
                "EM1-0",
                "EM1",
                "Highest",
                "resolution",
                8.0,
                20.0,
                TS("2026-09-01 09:00"),
                TS("2026-09-04 09:00"),
                False,
                "breached",
                D("2026-09-01"),
            ),  # 2026-Q3
        ],
    ),  # fmt: skip
    "fct_revenue_forecast_history": (
        "as_of_date DATE, month_start DATE, region VARCHAR, layer VARCHAR, amount DOUBLE",
        [
            # the snapshot "a quarter before" 2026-Q4: the latest on or before 2026-07-01
            (D("2026-06-20"), D("2026-10-01"), "EMEA", "scheduled", 100.0),
            (D("2026-06-20"), D("2026-10-01"), "EMEA", "weighted_pipeline", 50.0),
            (D("2026-06-20"), D("2026-10-01"), "AMER", "scheduled", 200.0),
            (D("2026-06-20"), D("2026-11-01"), "EMEA", "scheduled", 120.0),
            (D("2026-06-20"), D("2026-11-01"), "AMER", "unscheduled_backlog", 80.0),
            (D("2026-06-20"), D("2026-12-01"), "EMEA", "weighted_pipeline", 60.0),
            (D("2026-06-20"), D("2026-12-01"), "AMER", "scheduled", 90.0),
            # later snapshots: not "a quarter before"
            (D("2026-08-15"), D("2026-10-01"), "EMEA", "scheduled", 999.0),
            (D("2026-11-18"), D("2026-11-01"), "EMEA", "actual", 70.0),
        ],
    ),
    "mart_revenue_forecast": (
        "as_of_date DATE, month_start DATE, quarter VARCHAR, region VARCHAR, layer VARCHAR, "
        "amount DOUBLE",
        [
            (D("2026-11-18"), D("2026-11-01"), "2026-Q4", "EMEA", "actual", 70.0),
            (D("2026-11-18"), D("2027-01-01"), "2027-Q1", "EMEA", "scheduled", 300.0),
            (D("2026-11-18"), D("2027-01-01"), "2027-Q1", "AMER", "scheduled", 100.0),
            (D("2026-11-18"), D("2027-02-01"), "2027-Q1", "EMEA", "unscheduled_backlog", 150.0),
            (D("2026-11-18"), D("2027-03-01"), "2027-Q1", "AMER", "weighted_pipeline", 200.0),
            (D("2026-11-18"), D("2027-04-01"), "2027-Q2", "EMEA", "weighted_pipeline", 400.0),
            (D("2026-11-18"), D("2027-05-01"), "2027-Q2", "AMER", "scheduled", 50.0),
            (D("2026-11-18"), D("2027-07-01"), "2027-Q3", "EMEA", "weighted_pipeline", 999.0),
            (D("2026-11-11"), D("2027-01-01"), "2027-Q1", "EMEA", "scheduled", 999.0),
        ],
    ),
    "mart_metric_values": (
        "as_of_date DATE, metric VARCHAR, period_type VARCHAR, period_start DATE, "
        "scope_type VARCHAR, scope_value VARCHAR, value DOUBLE",
        [
            (D("2026-11-18"), "revenue_actual", "month", D("2026-10-01"), "org", "all", 400.0),
            (D("2026-11-18"), "revenue_actual", "month", D("2026-10-01"), "region", "EMEA", 180.0),
            (D("2026-11-18"), "revenue_actual", "month", D("2026-10-01"), "region", "AMER", 220.0),
            (D("2026-11-18"), "revenue_actual", "month", D("2026-11-01"), "org", "all", 100.0),
            (D("2026-11-18"), "revenue_actual", "month", D("2026-11-01"), "region", "EMEA", 40.0),
            (D("2026-11-18"), "revenue_actual", "month", D("2026-11-01"), "region", "AMER", 60.0),
            (D("2026-11-18"), "revenue_actual", "quarter", D("2026-10-01"), "org", "all", 500.0),
        ],
    ),
    "mart_bookings_forecast": (
        "as_of_date DATE, quarter VARCHAR, region VARCHAR, forecast_category VARCHAR, "
        "is_closed BOOLEAN, is_won BOOLEAN, opportunity_count INTEGER, ps_amount DOUBLE, "
        "weighted_ps_amount DOUBLE",
        [
            (D("2026-11-18"), "2026-Q4", "EMEA", "Commit", False, False, 2, 1000.0, 800.0),
            (D("2026-11-18"), "2026-Q4", "AMER", "Commit", False, False, 1, 500.0, 400.0),
            (D("2026-11-18"), "2026-Q4", "EMEA", "Closed", True, True, 1, 300.0, 300.0),
            (D("2026-11-18"), "2026-Q4", "AMER", "Pipeline", False, False, 3, 1000.0, 100.0),
            (D("2026-11-18"), "2026-Q4", "AMER", "Omitted", True, False, 4, 700.0, 0.0),  # lost
            (D("2026-11-18"), "2027-Q1", "EMEA", "Best Case", False, False, 1, 900.0, 450.0),
            (D("2026-11-11"), "2026-Q4", "EMEA", "Commit", False, False, 9, 5555.0, 5555.0),
        ],
    ),
    "mart_forecast_accuracy": (
        "as_of_date DATE, month_start DATE, quarter VARCHAR, region VARCHAR, "
        "horizon_months INTEGER, ape DOUBLE, bias DOUBLE",
        [
            (D("2026-11-18"), D("2026-10-01"), "2026-Q4", "All", 1, 0.10, 0.10),
            (D("2026-11-18"), D("2026-10-01"), "2026-Q4", "All", 2, 0.20, -0.20),
            (D("2026-11-18"), D("2026-10-01"), "2026-Q4", "EMEA", 1, 0.30, -0.30),
            (D("2026-11-18"), D("2026-10-01"), "2026-Q4", "AMER", 1, 0.05, 0.05),
            (D("2026-11-18"), D("2026-07-01"), "2026-Q3", "All", 1, 0.40, 0.40),
            (D("2026-11-18"), D("2026-08-01"), "2026-Q3", "All", 1, 0.20, -0.10),
            (D("2026-11-18"), D("2026-09-01"), "2026-Q3", "All", 1, None, None),  # actual 0
        ],
    ),
    "mart_capacity_forecast": (
        "as_of_date DATE, week_start DATE, region VARCHAR, role VARCHAR, supply_hours DOUBLE, "
        "demand_hours DOUBLE, fte_gap DOUBLE",
        [
            # as of Wed 2026-11-18: the as-of week starts Mon 2026-11-16; 12 weeks from the
            # first week on or after it (2026-11-23) end before 2027-02-15
            (D("2026-11-18"), D("2026-11-09"), "EMEA", "Consultant", 999.0, 999.0, 9.0),
            (D("2026-11-18"), D("2026-11-23"), "EMEA", "Consultant", 100.0, 90.0, 0.5),
            (D("2026-11-18"), D("2026-11-23"), "AMER", "Consultant", 200.0, 100.0, -1.5),
            (D("2026-11-18"), D("2026-11-23"), "EMEA", "Architect", 40.0, 60.0, 1.0),
            (D("2026-11-18"), D("2026-11-30"), "EMEA", "Consultant", 80.0, 90.0, 1.25),
            (D("2026-11-18"), D("2026-11-30"), "AMER", "Architect", 40.0, 20.0, -0.5),
            (D("2026-11-18"), D("2027-02-15"), "EMEA", "Consultant", 999.0, 999.0, 9.0),
            (D("2026-11-11"), D("2026-11-23"), "EMEA", "Consultant", 5.0, 5.0, 5.0),
        ],
    ),
    "dq_unmatched_identities": (
        "source VARCHAR, reason VARCHAR",
        [("jira", "email_missing"), ("jira", "email_missing"), ("salesforce", "no_kantata_user")],
    ),
    "dq_tickets_without_policy": (
        "project_key VARCHAR, missing_reason VARCHAR",
        [
            ("INT", "calendar not resolved"),
            ("INT", "calendar not resolved"),
            ("EM1", "no policy"),
        ],
    ),
    "mart_dq_results": (
        "run_id VARCHAR, check_name VARCHAR, asset VARCHAR, severity VARCHAR, passed BOOLEAN, "
        "failing_count BIGINT, description VARCHAR",
        [
            ("run-new", "not_null_a", "dim_customer", "error", True, 0, "keys"),
            ("run-new", "unique_b", "dim_engagement", "error", True, 0, "keys"),
            ("run-new", "fresh_c", "fct_time_entries", "warn", True, 0, "fresh"),
            ("run-new", "warn_unmatched", "dq_unmatched_identities", "warn", False, 4, "ids"),
            ("run-old", "not_null_a", "dim_customer", "error", False, 7, "keys"),
        ],
    ),
    "mart_coverage_quarterly": (
        "quarter VARCHAR, grain VARCHAR, region VARCHAR, segment VARCHAR, role VARCHAR, "
        "active_accounts INTEGER, required_fte DOUBLE, delivery_fte DOUBLE, fte_gap DOUBLE, "
        "coverage_ratio DOUBLE",
        [
            # 8 accounts at 4 per FTE -> 2 required, 1.5 in delivery: gap 0.5, 75 %
            ("2026-Q4", "segment", "All", "Enterprise", "All", 8, 2.0, 1.5, 0.5, 0.75),
            ("2026-Q4", "segment", "All", "Mid-Market", "All", 6, 1.0, 1.25, -0.25, 1.25),
            ("2026-Q4", "region_segment", "EMEA", "Enterprise", "All", 5, 1.25, 0.5, 0.75, 0.4),
            ("2026-Q4", "region_segment", "AMER", "Enterprise", "All", 3, 0.75, 1.0, -0.25, 4 / 3),
            # other grains and quarters: never shown
            ("2026-Q4", "all", "All", "All", "All", 14, 3.0, 2.75, 0.25, 2.75 / 3),
            ("2026-Q4", "segment_role", "All", "Enterprise", "Consultant", 8, 1.0, 1.0, 0.0, 1.0),
            ("2026-Q3", "segment", "All", "Enterprise", "All", 4, 1.0, 2.0, -1.0, 2.0),
        ],
    ),
    "mart_partner_delivery_quarterly": (
        "quarter VARCHAR, delivery_model VARCHAR, delivery_partner VARCHAR, "
        "active_engagements INTEGER, engagement_budget DOUBLE, "
        "share_of_active_engagements DOUBLE, share_of_engagement_budget DOUBLE",
        [
            # 2026-Q4: 4 engagements, 400k budget
            ("2026-Q4", "Direct", "(none)", 2, 100000.0, 0.5, 0.25),
            ("2026-Q4", "Partner-led", "Accenture", 1, 200000.0, 0.25, 0.5),
            ("2026-Q4", "Co-delivery", "Slalom", 1, 100000.0, 0.25, 0.25),
            # rollups and another quarter: never shown
            ("2026-Q4", "Partner-led", "All", 1, 200000.0, 0.25, 0.5),
            ("2026-Q4", "All", "Accenture", 1, 200000.0, 0.25, 0.5),
            ("2026-Q4", "All", "All", 4, 400000.0, 1.0, 1.0),
            ("2026-Q3", "Direct", "(none)", 3, 300000.0, 1.0, 1.0),
        ],
    ),
    "mart_presales_monthly": (
        "month DATE, grain VARCHAR, region VARCHAR, segment VARCHAR, requests_opened INTEGER, "
        "requests_scoped INTEGER, median_hours_to_scope DOUBLE, p90_hours_to_scope DOUBLE, "
        "scoping_sla_attainment DOUBLE",
        [
            # 6 months to the as-of month 2026-11: 2026-06 .. 2026-11
            (D("2026-05-01"), "all", "All", "All", 9, 9, 99.0, 99.0, 0.0),
            (D("2026-09-01"), "all", "All", "All", 3, 2, 12.0, 20.0, 0.5),
            (D("2026-10-01"), "all", "All", "All", 4, 4, 10.0, 30.0, 0.75),
            (D("2026-11-01"), "all", "All", "All", 2, 1, 8.0, 8.0, 1.0),
            (D("2026-10-01"), "region", "EMEA", "All", 1, 1, 6.0, 6.0, 1.0),
            (D("2026-11-01"), "region", "AMER", "All", 1, 0, None, None, None),
            (D("2026-10-01"), "region_segment", "EMEA", "Enterprise", 1, 1, 6.0, 6.0, 1.0),
        ],
    ),
    "mart_timesheet_compliance_weekly": (
        "week_start DATE, grain VARCHAR, region VARCHAR, team VARCHAR, people INTEGER, "
        "due INTEGER, on_time INTEGER, late INTEGER, missing INTEGER, not_due INTEGER, "
        "rejected_count INTEGER, compliance_rate DOUBLE",
        [
            (D("2026-10-05"), "region", "EMEA", "All", 3, 3, 2, 1, 0, 0, 1, 2 / 3),
            (D("2026-11-16"), "region", "EMEA", "All", 3, 0, 0, 0, 0, 3, 0, None),  # not due
            (D("2026-10-05"), "region", "AMER", "All", 2, 2, 1, 0, 1, 0, 0, 0.5),
            (D("2026-10-05"), "all", "All", "All", 5, 5, 3, 1, 1, 0, 1, 0.6),
            (D("2026-11-16"), "all", "All", "All", 5, 0, 0, 0, 0, 5, 0, None),
            # a team row and a 2026-Q3 week: never counted
            (D("2026-10-05"), "region_team", "EMEA", "Delivery", 3, 3, 2, 1, 0, 0, 1, 2 / 3),
            (D("2026-09-28"), "region", "EMEA", "All", 3, 3, 0, 0, 3, 0, 0, 0.0),
        ],
    ),
    "_source_freshness": (
        "source VARCHAR, stream VARCHAR, last_loaded_at TIMESTAMP, rows_loaded BIGINT",
        [
            ("kantata", "time_entries", TS("2026-11-18 05:00"), 1200),
            ("jira", "issues", TS("2026-11-18 05:10"), 300),
        ],
    ),
}


def build_analytics(path: Path, skip: tuple[str, ...] = (), empty: tuple[str, ...] = ()) -> Path:
    """The hand-built published warehouse: ``skip`` leaves tables out, ``empty`` keeps
    them without rows."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        for name, (columns, rows) in TABLES.items():
            if name in skip:
                continue
            con.execute(f"CREATE TABLE marts.{name} ({columns})")
            if rows and name not in empty:
                marks = ", ".join("?" for _ in rows[0])
                con.executemany(f"INSERT INTO marts.{name} VALUES ({marks})", rows)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def analytics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_analytics(tmp_path_factory.mktemp("qbr") / "analytics.duckdb")


@pytest.fixture(scope="module")
def pack(analytics: Path) -> Pack:
    return build_pack(analytics)


def section(pack: Pack, key: str) -> Section:
    found = [s for s in pack.sections + pack.footer if s.key == key]
    assert len(found) == 1, key
    return found[0]


def rows(pack: Pack, key: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in section(pack, key).table.rows]


SECTION_KEYS = [
    "headline",
    "utilization_billable",
    "utilization_productive",
    "sla_attainment",
    "sla_breached_p1",
    "revenue_vs_forecast",
    "revenue_next_quarters",
    "bookings",
    "forecast_accuracy",
    "capacity",
    "capacity_gap",
    "risk_krs",
    "risk_p1",
    "risk_budget",
    "risk_hygiene",
    "coverage",
    "partner_share",
    "presales",
    "timesheets",
]


# ----------------------------------------------------------------------------- cover, keys


def test_default_quarter_and_cover_come_from_the_latest_publish(pack: Pack) -> None:
    # run-new (published 2026-11-18 06:00) is later than run-old; its as-of is in 2026-Q4
    assert pack.quarter == "2026-Q4"
    assert pack.region is None
    assert pack.title == "PS QBR pack — 2026-Q4"
    assert pack.cover.run_id == "run-new"
    assert pack.cover.as_of == D("2026-11-18")
    assert pack.cover.published_at == TS("2026-11-18 06:00")
    assert pack.cover.check_summary == "3 passed, 1 warned, 0 failed"
    assert [s.key for s in pack.sections] == SECTION_KEYS
    assert [s.key for s in pack.footer] == ["freshness", "checks", "checks_failed"]


def test_every_section_has_a_caption_and_charts_name_their_table_columns(pack: Pack) -> None:
    for s in pack.sections + pack.footer:
        assert s.caption and "\n" not in s.caption, s.key
        if s.empty:
            assert s.chart is None, s.key
        if s.chart:
            names = [c.name for c in s.table.columns]
            for col in (s.chart.x, s.chart.y, s.chart.series, s.chart.target):
                assert col is None or col in names, (s.key, col)
        for row in s.table.rows:
            assert len(row) == len(s.table.columns), s.key


# ----------------------------------------------------------------------------- per section


def test_headline_is_the_latest_scorecard_snapshot_of_the_quarter(pack: Pack) -> None:
    s = section(pack, "headline")
    # as of 2026-11-18 (not the 2026-11-11 snapshot where KR-1a was on track at 0.7)
    assert [(r[1], r[3], r[6], r[7], r[8], r[9]) for r in s.table.rows] == [
        ("Org util 50 to 70", "org", 0.6, 0.5, 1.0, "off_track"),
        ("EMEA util 60 to 70", "region EMEA", 0.68, 0.8, 1.0, "at_risk"),
        ("AMER bookings 1M", "region AMER", 6e5, 0.6, 0.5, "on_track"),
    ]
    assert [(k.label, k.actual, k.target, k.score, k.status, k.unit) for k in s.kpis] == [
        ("Org util 50 to 70", 0.6, 0.7, 0.5, "off_track", "pct"),
        ("EMEA util 60 to 70", 0.68, 0.7, 0.8, "at_risk", "pct"),
        ("AMER bookings 1M", 6e5, 1e6, 0.6, "on_track", "money"),
    ]


def test_utilization_is_13_months_ending_at_the_as_of_month(pack: Pack) -> None:
    billable = rows(pack, "utilization_billable")
    # 2026-Q4 is in progress (as of 2026-11-18): 2025-11 .. 2026-11 = 13 months x 3 lines
    months = sorted({r[0] for r in billable})
    assert months[0] == D("2025-11-01") and months[-1] == D("2026-11-01")
    assert len(months) == 13 and len(billable) == 39
    assert {r[1] for r in billable} == {"EMEA", "AMER", "All regions"}
    by_key = {(r[0], r[1]): r for r in billable}
    # EMEA 2026-11 is month i = 13: 0.50 + 13/100 + 0.10 = 0.73, target 0.70
    assert by_key[(D("2026-11-01"), "EMEA")][2:] == pytest.approx((0.73, 0.70, 160.0))
    # org 2025-11 (i = 1): 0.50 + 0.01 + 0.05 = 0.56
    assert by_key[(D("2025-11-01"), "All regions")][2] == pytest.approx(0.56)
    # productive = billable + 0.05: AMER 2026-11 = 0.50 + 0.13 + 0.00 + 0.05 = 0.68
    productive = {(r[0], r[1]): r[2] for r in rows(pack, "utilization_productive")}
    assert productive[(D("2026-11-01"), "AMER")] == pytest.approx(0.68)
    assert 0.99 not in [r[2] for r in billable]  # the 'role' grain row
    assert (
        "2026-11 is month to date (as of 2026-11-18)" in section(pack, "utilization_billable").notes
    )


def test_utilization_of_a_closed_quarter_ends_at_its_last_month(analytics: Path) -> None:
    q3 = build_pack(analytics, "2026-Q3")
    months = sorted({r[0] for r in rows(q3, "utilization_billable")})
    # 13 months would start 2025-09; the data starts 2025-10: 2025-10 .. 2026-09 = 12
    assert (months[0], months[-1], len(months)) == (D("2025-10-01"), D("2026-09-01"), 12)


def test_sla_attainment_sums_met_and_breached_over_the_quarter(pack: Pack) -> None:
    # Highest resolution: met 3 + 1 + 2 = 6, breached 1 + 1 + 0 = 2 -> 6 / 8 = 0.75
    # High first_response: met 4 + 5 = 9, breached 1 + 5 = 6 -> 9 / 15 = 0.6
    # Highest (resolution goal 8h) ranks before High (24h) although 'High' sorts first
    assert rows(pack, "sla_attainment") == [
        ("Highest", "resolution", pytest.approx(0.75), 6, 2),
        ("High", "first_response", pytest.approx(0.6), 9, 6),
    ]
    assert section(pack, "sla_attainment").chart.kind == "grouped_bar"


def test_breached_top_priority_tickets_of_the_quarter(pack: Pack) -> None:
    s = section(pack, "sla_breached_p1")
    assert s.title == "Breached Highest tickets" and s.chart is None
    # Highest + breached + stopped in 2026-Q4 (EM1-0 stopped in 2026-Q3; AM1-2 is High)
    assert rows(pack, "sla_breached_p1") == [
        ("EM1-1", "EM1", "resolution", 8.0, 12.5, TS("2026-10-05 09:00"),
         TS("2026-10-07 10:00"), "stopped"),
        ("INT-1", "INT", "first_response", 1.0, 3.0, TS("2026-10-20 10:00"),
         TS("2026-10-20 13:00"), "stopped"),
        ("EM1-2", "EM1", "resolution", 8.0, 9.0, TS("2026-11-10 09:00"), None, "running"),
    ]  # fmt: skip
    # the risk counts the same tickets per project: EM1 2, INT 1 (no region)
    assert rows(pack, "risk_p1") == [
        ("EM1", "EMEA", "resolution", 2),
        ("INT", "(none)", "first_response", 1),
    ]


def test_revenue_vs_the_forecast_made_a_quarter_earlier(pack: Pack) -> None:
    s = section(pack, "revenue_vs_forecast")
    label = "forecast as of 2026-06-20"  # latest snapshot on or before 2026-07-01
    # forecast = all layers of that snapshot: Oct 100 + 50 + 200 = 350, Nov 120 + 80 = 200,
    # Dec 60 + 90 = 150 (the 2026-08-15 snapshot's 999 is later than 2026-07-01)
    assert rows(pack, "revenue_vs_forecast") == [
        (D("2026-10-01"), "actual", 400.0),
        (D("2026-10-01"), label, 350.0),
        (D("2026-11-01"), "actual", 100.0),
        (D("2026-11-01"), label, 200.0),
        (D("2026-12-01"), label, 150.0),  # no actual yet
    ]
    assert s.chart.kind == "grouped_bar" and s.empty is None


def test_revenue_vs_forecast_says_when_no_snapshot_is_old_enough(analytics: Path) -> None:
    # 2026-Q3: a snapshot on or before 2026-04-01 is needed; history starts 2026-06-20
    s = section(build_pack(analytics, "2026-Q3"), "revenue_vs_forecast")
    assert (
        s.empty == "No forecast snapshot from a quarter before 2026-Q3 — history starts 2026-06-20"
    )
    assert s.chart is None and not s.table.rows


def test_revenue_of_the_next_two_quarters_by_layer(pack: Pack) -> None:
    # latest snapshot 2026-11-18 (not 2026-11-11's 999); 2027-Q3's 999 is not next
    assert rows(pack, "revenue_next_quarters") == [
        ("2027-Q1", "scheduled", 400.0),  # EMEA 300 + AMER 100
        ("2027-Q1", "unscheduled_backlog", 150.0),
        ("2027-Q1", "weighted_pipeline", 200.0),
        ("2027-Q2", "scheduled", 50.0),
        ("2027-Q2", "weighted_pipeline", 400.0),
    ]
    # 2027-Q2's forecast holds 2 of its 3 months (April, May)
    assert section(pack, "revenue_next_quarters").notes == (
        "2027-Q2: the forecast as of 2026-11-18 covers 2 of its 3 months",
    )


def test_bookings_by_forecast_category(pack: Pack) -> None:
    # latest as-of, closing in 2026-Q4, closed-lost (Omitted, 4 opportunities) left out
    assert rows(pack, "bookings") == [
        ("Closed", "PS amount", 300.0, 1),
        ("Closed", "weighted PS amount", 300.0, 1),
        ("Commit", "PS amount", 1500.0, 3),  # 1000 + 500, 2 + 1 opportunities
        ("Commit", "weighted PS amount", 1200.0, 3),  # 800 + 400
        ("Pipeline", "PS amount", 1000.0, 3),
        ("Pipeline", "weighted PS amount", 100.0, 3),
    ]
    assert section(pack, "bookings").notes == ("4 closed-lost opportunities are left out",)


def test_forecast_accuracy_mape_by_horizon(pack: Pack, analytics: Path) -> None:
    # 2026-Q4, region 'All': one month (October) per horizon
    assert rows(pack, "forecast_accuracy") == [
        (1, 1, pytest.approx(0.10), pytest.approx(0.10)),
        (2, 1, pytest.approx(0.20), pytest.approx(-0.20)),
    ]
    # 2026-Q3 horizon 1: APE 0.40 and 0.20 (September's is NULL: actual 0) ->
    # MAPE (0.40 + 0.20) / 2 = 0.30, bias (0.40 - 0.10) / 2 = 0.15
    assert rows(build_pack(analytics, "2026-Q3"), "forecast_accuracy") == [
        (1, 2, pytest.approx(0.30), pytest.approx(0.15)),
    ]


def test_forecast_accuracy_says_so_when_the_mart_is_empty(tmp_path: Path) -> None:
    path = build_analytics(tmp_path / "a.duckdb", empty=("mart_forecast_accuracy",))
    s = section(build_pack(path), "forecast_accuracy")
    assert s.empty and s.empty.startswith("No forecast accuracy yet")
    assert "forecast history starts 2026-06-20" in s.empty
    assert s.chart is None


def test_capacity_vs_demand_for_12_weeks_from_the_as_of_week(pack: Pack) -> None:
    # weeks 2026-11-23 and 2026-11-30 (2026-11-09 is before the as-of week, 2027-02-15
    # is the 13th week, the 2026-11-11 snapshot is older)
    assert rows(pack, "capacity") == [
        (D("2026-11-23"), "supply", 340.0),  # 100 + 200 + 40
        (D("2026-11-23"), "demand", 250.0),  # 90 + 100 + 60
        (D("2026-11-30"), "supply", 120.0),  # 80 + 40
        (D("2026-11-30"), "demand", 110.0),  # 90 + 20
    ]
    # FTE gap per role and week summed over regions, mean over the 2 weeks, and the peak:
    # Architect: week 1 1.0, week 2 -0.5 -> mean 0.25, peak 1.0; supply 80, demand 80
    # Consultant: week 1 0.5 - 1.5 = -1.0, week 2 1.25 -> mean 0.125, peak 1.25;
    #   supply 100 + 200 + 80 = 380, demand 90 + 100 + 90 = 280
    assert rows(pack, "capacity_gap") == [
        ("Architect", 80.0, 80.0, pytest.approx(0.25), 1.0),
        ("Consultant", 380.0, 280.0, pytest.approx(0.125), 1.25),
    ]


def test_risks_key_results_budget_and_hygiene(pack: Pack) -> None:
    assert [(r[1], r[9]) for r in rows(pack, "risk_krs")] == [
        ("Org util 50 to 70", "off_track"),
        ("EMEA util 60 to 70", "at_risk"),
    ]
    # hours counting toward utilization to 2026-12-31 vs budgeted hours:
    # E2 40 + 25 = 65 vs 50 -> +15 (15 / 50 = 30 %); E1 80 + 30 = 110 vs 100 -> +10 (10 %)
    # (E1's rejected 10 h count nowhere; E3 5 < 20; E9 has no budget)
    assert rows(pack, "risk_budget") == [
        ("Amer Retail - Rollout", "Amer Retail", "AMER", 50.0, 65.0, 15.0, pytest.approx(0.3)),
        ("Euro Bank - Implementation", "Euro Bank", "EMEA", 100.0, 110.0, 10.0, 0.1),
    ]
    assert rows(pack, "risk_hygiene") == [
        ("unmatched identity", "jira", "email_missing", 2),
        ("unmatched identity", "salesforce", "no_kantata_user", 1),
        ("ticket without SLA policy", "jira", "calendar not resolved", 2),
        ("ticket without SLA policy", "jira", "no policy", 1),
    ]


def test_budget_risk_at_the_end_of_an_earlier_quarter(analytics: Path) -> None:
    # at 2026-09-30 E1 has logged 80 of its 100 hours: nothing over budget
    s = section(build_pack(analytics, "2026-Q3"), "risk_budget")
    assert s.empty == "No engagement over budget in 2026-Q3"


def test_coverage_by_segment_largest_gap_first(pack: Pack) -> None:
    assert rows(pack, "coverage") == [
        ("Enterprise", 8, 2.0, 1.5, 0.5, 0.75),
        ("Mid-Market", 6, 1.0, 1.25, -0.25, 1.25),
    ]
    assert section(pack, "coverage").chart is not None


def test_partner_share_of_the_quarters_engagements(pack: Pack) -> None:
    # Direct 2 of 4 engagements; Partner-led (Accenture) and Co-delivery (Slalom) 1 each
    assert rows(pack, "partner_share") == [
        ("Direct", "(none)", 2, 100000.0, 0.5, 0.25),
        ("Co-delivery", "Slalom", 1, 100000.0, 0.25, 0.25),
        ("Partner-led", "Accenture", 1, 200000.0, 0.25, 0.5),
    ]
    assert sum(r[4] for r in rows(pack, "partner_share")) == 1.0


def test_presales_turnaround_six_months_to_the_as_of_month(pack: Pack) -> None:
    assert rows(pack, "presales") == [
        (D("2026-09-01"), 3, 2, 12.0, 20.0, 0.5),
        (D("2026-10-01"), 4, 4, 10.0, 30.0, 0.75),
        (D("2026-11-01"), 2, 1, 8.0, 8.0, 1.0),
    ]
    assert "2026-11 is month to date (as of 2026-11-18)" in section(pack, "presales").notes


def test_timesheet_compliance_by_region_over_the_quarters_weeks(pack: Pack) -> None:
    # EMEA: weeks 10-05 (3 due: 2 on time, 1 late, 1 rejected) and 11-16 (none due) -> 2/3;
    # AMER: 10-05 (2 due: 1 on time, 1 missing) -> 1/2; org: 3 of 5 on time
    assert rows(pack, "timesheets") == [
        ("AMER", 1, 2, 1, 0, 1, 0, 0.5),
        ("EMEA", 2, 3, 2, 1, 0, 1, pytest.approx(2 / 3)),
        ("All regions", 2, 5, 3, 1, 1, 1, 0.6),
    ]


def test_issue_14_sections_say_not_yet_available_without_their_marts(tmp_path: Path) -> None:
    marts = {
        "coverage": "mart_coverage_quarterly",
        "partner_share": "mart_partner_delivery_quarterly",
        "presales": "mart_presales_monthly",
        "timesheets": "mart_timesheet_compliance_weekly",
    }
    older = build_pack(build_analytics(tmp_path / "a.duckdb", skip=tuple(marts.values())))
    for key, mart in marts.items():
        s = section(older, key)
        assert s.empty and s.empty.startswith("Not yet available:"), key
        assert f"({mart} not published)" in s.empty
        assert not s.table.rows and s.chart is None


def test_footer_freshness_and_the_gates_results_of_the_published_run(pack: Pack) -> None:
    assert rows(pack, "freshness") == [
        ("jira", "issues", TS("2026-11-18 05:10"), 300),
        ("kantata", "time_entries", TS("2026-11-18 05:00"), 1200),
    ]
    # run-new only (run-old's failed error check is another run)
    assert rows(pack, "checks") == [
        ("error", "passed", 2),
        ("warn", "passed", 1),
        ("warn", "failed", 1),
    ]
    assert rows(pack, "checks_failed") == [
        ("warn_unmatched", "dq_unmatched_identities", "warn", 4, "ids"),
    ]


def test_freshness_missing_in_an_older_warehouse(tmp_path: Path) -> None:
    path = build_analytics(tmp_path / "a.duckdb", skip=("_source_freshness",))
    s = section(build_pack(path), "freshness")
    assert s.empty and "not in this warehouse" in s.empty


# ----------------------------------------------------------------------------- --region


def _cells(pack: Pack) -> list[str]:
    cells = [str(v) for s in pack.sections + pack.footer for r in s.table.rows for v in r]
    return cells + [k.label for s in pack.sections for k in s.kpis]


@pytest.mark.parametrize(
    ("region", "foreign"),
    [
        ("EMEA", ("AMER", "AM1", "Amer Retail", "INT")),
        ("AMER", ("EMEA", "EM1", "Euro Bank", "INT")),
    ],
)
def test_region_filters_every_section(analytics: Path, region: str, foreign: tuple) -> None:
    regional = build_pack(analytics, region=region)
    assert regional.title == f"PS QBR pack — 2026-Q4 — {region}"
    leaks = [c for c in _cells(regional) if any(f in c for f in foreign)]
    assert not leaks
    for s in regional.sections:
        if not s.empty:
            assert any(region in n for n in s.notes), s.key  # each says how it filters


def test_region_emea_values(analytics: Path) -> None:
    emea = build_pack(analytics, region="emea")  # case-insensitive
    assert emea.region == "EMEA"
    assert [r[1] for r in rows(emea, "headline")] == ["EMEA util 60 to 70"]
    assert {r[1] for r in rows(emea, "utilization_billable")} == {"EMEA"}
    assert len(rows(emea, "utilization_billable")) == 13
    # EMEA tickets: Highest resolution met 3 + 1 = 4, breached 1 + 1 = 2 -> 4 / 6
    assert rows(emea, "sla_attainment") == [("Highest", "resolution", pytest.approx(4 / 6), 4, 2)]
    # INT (no region): 5 + 5 = 10 tickets in 2026-Q4 left out
    assert any(
        "10 tickets of projects with no region (INT" in n
        for n in section(emea, "sla_attainment").notes
    )
    assert [r[0] for r in rows(emea, "sla_breached_p1")] == ["EM1-1", "EM1-2"]
    # EMEA forecast: Oct 100 + 50 = 150, Nov 120, Dec 60; actual Oct 180, Nov 40
    label = "forecast as of 2026-06-20"
    assert rows(emea, "revenue_vs_forecast") == [
        (D("2026-10-01"), "actual", 180.0),
        (D("2026-10-01"), label, 150.0),
        (D("2026-11-01"), "actual", 40.0),
        (D("2026-11-01"), label, 120.0),
        (D("2026-12-01"), label, 60.0),
    ]
    assert rows(emea, "revenue_next_quarters") == [
        ("2027-Q1", "scheduled", 300.0),
        ("2027-Q1", "unscheduled_backlog", 150.0),
        ("2027-Q2", "weighted_pipeline", 400.0),
    ]
    assert rows(emea, "bookings") == [
        ("Closed", "PS amount", 300.0, 1),
        ("Closed", "weighted PS amount", 300.0, 1),
        ("Commit", "PS amount", 1000.0, 2),
        ("Commit", "weighted PS amount", 800.0, 2),
    ]
    assert rows(emea, "forecast_accuracy") == [(1, 1, 0.30, -0.30)]
    assert rows(emea, "capacity") == [
        (D("2026-11-23"), "supply", 140.0),  # 100 + 40
        (D("2026-11-23"), "demand", 150.0),  # 90 + 60
        (D("2026-11-30"), "supply", 80.0),
        (D("2026-11-30"), "demand", 90.0),
    ]
    # Consultant 0.5, 1.25 -> mean 0.875; Architect 1.0 then absent (0) -> mean 0.5
    assert rows(emea, "capacity_gap") == [
        ("Consultant", 180.0, 180.0, pytest.approx(0.875), 1.25),
        ("Architect", 40.0, 60.0, pytest.approx(0.5), 1.0),
    ]
    assert [r[0] for r in rows(emea, "risk_budget")] == ["Euro Bank - Implementation"]
    assert rows(emea, "risk_p1") == [("EM1", "EMEA", "resolution", 2)]
    assert rows(emea, "risk_hygiene")[-1] == ("ticket without SLA policy", "jira", "no policy", 1)
    assert len(rows(emea, "risk_hygiene")) == 3  # identities are org-wide (noted)
    assert rows(emea, "coverage") == [("Enterprise", 5, 1.25, 0.5, 0.75, 0.4)]
    assert rows(emea, "presales") == [(D("2026-10-01"), 1, 1, 6.0, 6.0, 1.0)]
    assert rows(emea, "timesheets") == [("EMEA", 2, 3, 2, 1, 0, 1, pytest.approx(2 / 3))]
    # the partner mart has no region: the whole org, noted
    assert len(rows(emea, "partner_share")) == 3
    assert section(emea, "partner_share").notes == (
        "EMEA pack: the whole org (mart_partner_delivery_quarterly has no region)",
    )


def test_region_amer_empties(analytics: Path) -> None:
    amer = build_pack(analytics, region="AMER")
    assert section(amer, "sla_breached_p1").empty == "No breached Highest tickets in 2026-Q4 (AMER)"
    assert section(amer, "risk_krs").empty == (
        "No key result off track, at risk or missed in 2026-Q4 (AMER)"
    )
    # AMER: Highest resolution 2 / 2 = 1.0, High first_response 4 / 5 = 0.8
    assert rows(amer, "sla_attainment") == [
        ("Highest", "resolution", 1.0, 2, 0),
        ("High", "first_response", pytest.approx(0.8), 4, 1),
    ]
    assert rows(amer, "coverage") == [("Enterprise", 3, 0.75, 1.0, -0.25, pytest.approx(4 / 3))]
    assert rows(amer, "presales") == [(D("2026-11-01"), 1, 0, None, None, None)]


# ----------------------------------------------------------------------------- empty quarter


def test_a_quarter_without_data_says_so_in_every_section(analytics: Path) -> None:
    old = build_pack(analytics, "2019-Q1")
    for s in old.sections:
        assert s.empty, s.key
        assert s.chart is None and not s.table.rows and not s.kpis, s.key
    assert section(old, "utilization_billable").empty == "No utilization for 2019-Q1"
    assert section(old, "capacity").empty == (
        "The capacity forecast is kept only as of 2026-11-18 (the latest refresh): shown "
        "in the packs of 2026-Q4 and 2026-Q3, not 2019-Q1"
    )
    # the footer is about the refresh, not the quarter
    assert rows(old, "checks")


def test_current_state_sections_show_in_the_pack_of_the_quarter_before(analytics: Path) -> None:
    q3 = build_pack(analytics, "2026-Q3")  # a QBR of 2026-Q3 held in 2026-Q4
    assert rows(q3, "capacity") and rows(q3, "risk_hygiene")
    q2 = build_pack(analytics, "2026-Q2")
    assert section(q2, "capacity").empty and section(q2, "risk_hygiene").empty


# ----------------------------------------------------------------------------- refusals


def test_nothing_published_without_a_file(tmp_path: Path) -> None:
    with pytest.raises(NothingPublished, match="nothing is published yet at .*psops refresh"):
        build_pack(tmp_path / "analytics.duckdb")


def test_nothing_published_without_a_publish_log(tmp_path: Path) -> None:
    with pytest.raises(NothingPublished):
        build_pack(build_analytics(tmp_path / "a.duckdb", skip=("_publish_log",)))
    with pytest.raises(NothingPublished):
        build_pack(build_analytics(tmp_path / "b.duckdb", empty=("_publish_log",)))


def test_bad_quarter_and_region_are_refused(analytics: Path) -> None:
    with pytest.raises(ReportInputError, match="YYYY-Qn"):
        build_pack(analytics, "2026Q3")
    with pytest.raises(ReportInputError, match=r"'MARS'.*AMER, EMEA"):
        build_pack(analytics, region="MARS")


def test_every_number_of_the_hand_built_pack_reads_back_from_its_html(pack: Pack) -> None:
    """The values asserted above, hand-computed, are what the HTML prints: each value table
    parsed back cell by cell, and the headline tiles."""
    from orchestration.reports.parse import read_empty, read_kpis, read_tables
    from orchestration.reports.render import raw_value, render_html

    html = render_html(pack)
    tables, empty = read_tables(html), read_empty(html)
    for s in (*pack.sections, *pack.footer):
        if s.empty:
            assert empty[s.key] == s.empty
            assert s.key not in tables
            continue
        names = [c.name for c in s.table.columns]
        assert tables[s.key] == [
            {name: raw_value(v) for name, v in zip(names, row, strict=True)} for row in s.table.rows
        ], s.key
    tiles = read_kpis(html)
    assert [(t["data-metric"], t["data-actual"] or None, t["data-status"]) for t in tiles] == [
        (k.metric, raw_value(k.actual), k.status) for k in section(pack, "headline").kpis
    ]
