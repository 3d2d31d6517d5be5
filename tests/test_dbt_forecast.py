"""The forecast and SOKR marts on a tiny hand-built dataset (the Kantata people and time of
tests/test_dbt_utilization.py plus rates, budgets, allocations and Salesforce deals).

The warehouse is built three times, as a refresh would: ``dbt build`` of the forecast
history as of 2026-06-15, a whole ``dbt build`` as of Monday 2026-07-06, then
``dbt run --full-refresh`` as of 2026-07-06 (the history must survive it).

Hand-computed facts (as of 2026-07-06; the as-of month is July 2026):
- Bill rates: Alice 200.00/h, Bob 150.00/h. No time entry carries a rate of its own.
- W1 Acme (T&M, AMER, budget 120,000, due 2026-09-30). June billable: Alice 8 + 4 h,
  Bob 8 + 6 h (his rejected Sunday counts nowhere) -> 12 x 200 + 14 x 150 = 4,500. July to
  date: Alice 6 + 5 h -> 2,200. Remaining budget 120,000 - 6,700 = 113,300.
- W2 Globex (Fixed Fee, EMEA, budget 50,000, 250 budgeted h, due 2026-06-30: past due).
  July to date: 3 + 4 + 4 = 11 h delivered -> 50,000 x 11 / 250 = 2,200; remaining 47,800,
  nothing allocated -> all 47,800 of backlog in August (the month after the as-of month).
- Allocations on W1: Alice Mon-Fri 07-06..07-10, 2,400 min hard (8 h a day) -> 40 h x 200
  = 8,000; Bob Mon-Thu 07-13..07-16, 960 min soft (4 h a day) -> 16 h x 150 = 2,400.
  Scheduled July = 10,400; W1 backlog = 113,300 - 10,400 = 102,900 over Jul, Aug, Sep =
  34,300 a month.
- Open deal 006C (AMER, Proposal, no Probability -> the seed's 50): PS line 60,000 (plus a
  10,000 software line) -> weighted 30,000; closes 07-20, + 30 days = 08-19, so it starts in
  September and spreads 30,000 / 4 = 7,500 over Sep..Dec.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pytest

from tests.dbt_helpers import make_raw_warehouse, run_dbt
from tests.test_dbt_utilization import _identity_rows, _kantata_rows

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

AS_OF = "2026-07-06"
EARLIER_AS_OF = "2026-06-15"
JULY, AUGUST, SEPTEMBER = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


def _rows() -> dict[str, list[dict[str, Any]]]:
    rows = {**_kantata_rows(), **_identity_rows()}
    rates = {"u1": 20000, "u2": 15000}
    for membership in rows["kantata.account_memberships"]:
        membership["bill_rate_in_cents"] = rates[membership["user_id"]]
    dues = {"w1": date(2026, 9, 30), "w2": date(2026, 6, 30)}
    for workspace in rows["kantata.workspaces"]:
        workspace["budgeted"] = workspace["id"] in dues
        workspace["due_date"] = dues.get(workspace["id"], date(2027, 12, 31))
        workspace["start_date"] = date(2026, 5, 1)
    rows["kantata.custom_field_values"].append(
        {
            "id": "v12",
            "subject_type": "Workspace",
            "subject_id": "w2",
            "custom_field_id": "cf5",
            "value": "006B",
        }
    )
    rows["kantata.workspace_allocations"] = [
        {
            "id": "a1",
            "workspace_id": "w1",
            "user_id": "u1",
            "start_date": date(2026, 7, 6),
            "end_date": date(2026, 7, 10),
            "minutes": 2400,
            "hard": True,
        },
        {
            "id": "a2",
            "workspace_id": "w1",
            "user_id": "u2",
            "start_date": date(2026, 7, 13),
            "end_date": date(2026, 7, 16),
            "minutes": 960,
            "hard": False,
        },
    ]
    rows["salesforce.account"] = [
        {"Id": "001A", "Name": "Acme", "Segment__c": "Enterprise", "Region__c": "AMER"},
        {"Id": "001B", "Name": "Globex", "Segment__c": "Mid-Market", "Region__c": "emea"},
    ]

    def opportunity(oid: str, account: str, stage: str, close: date, **kw: Any) -> dict:
        return {"Id": oid, "Name": oid, "AccountId": account, "StageName": stage,
                "CloseDate": close, **kw}  # fmt: skip

    won = {"IsClosed": True, "IsWon": True, "Probability": 100.0, "ForecastCategoryName": "Closed"}
    rows["salesforce.opportunity"] = [
        opportunity("006A", "001A", "Closed Won", date(2026, 4, 20), Amount=120000.0, **won),
        opportunity("006B", "001B", "Closed Won", date(2026, 5, 15), Amount=50000.0, **won),
        opportunity(
            "006C",
            "001A",
            "Proposal",
            date(2026, 7, 20),
            Amount=70000.0,
            IsClosed=False,
            IsWon=False,
            ForecastCategoryName="Best Case",
        ),  # fmt: skip
    ]
    rows["salesforce.product2"] = [
        {"Id": "01tPS", "Name": "PS - Implementation", "Family": "Professional Services"},
        {"Id": "01tSW", "Name": "Payments Platform", "Family": "Software"},
    ]
    rows["salesforce.opportunitylineitem"] = [
        {"Id": "00kA", "OpportunityId": "006A", "Product2Id": "01tPS", "TotalPrice": 120000.0},
        {"Id": "00kB", "OpportunityId": "006B", "Product2Id": "01tPS", "TotalPrice": 50000.0},
        {"Id": "00kC1", "OpportunityId": "006C", "Product2Id": "01tPS", "TotalPrice": 60000.0},
        {"Id": "00kC2", "OpportunityId": "006C", "Product2Id": "01tSW", "TotalPrice": 10000.0},
    ]
    return rows


def _dbt(args: list[str], warehouse_dir, as_of: str, root, pg_server_dsn: str | None) -> None:
    started = time.monotonic()
    result = run_dbt(args, warehouse_dir, as_of, root, pg_server_dsn=pg_server_dsn)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    log.info("dbt %s as of %s took %.1fs", " ".join(args), as_of, time.monotonic() - started)


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, dbt_engine: str | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixtures built by dbt on DuckDB, then on PostgreSQL (``dbt_engine``)."""
    root = tmp_path_factory.mktemp("dbt_forecast")
    warehouse_dir = root / "warehouse"
    make_raw_warehouse(warehouse_dir / "psops.duckdb", _rows())
    history_only = [
        "--select", "+fct_revenue_forecast_history", "--exclude", "test_type:unit", "test_type:data"
    ]  # fmt: skip
    _dbt(["build", *history_only], warehouse_dir, EARLIER_AS_OF, root, dbt_engine)
    _dbt(["build"], warehouse_dir, AS_OF, root, dbt_engine)
    _dbt(["run", "--full-refresh"], warehouse_dir, AS_OF, root, dbt_engine)
    con = duckdb.connect(str(warehouse_dir / "psops.duckdb"), read_only=True)
    yield con
    con.close()


def _layers(con, month: date, region: str) -> dict[str, float]:
    return dict(
        con.execute(
            """select layer, amount from marts.mart_revenue_forecast
               where month_start = ? and region = ? order by layer""",
            [month, region],
        ).fetchall()
    )


def test_forecast_history_survives_a_full_refresh_with_both_as_of_dates(warehouse):
    as_ofs = warehouse.execute(
        "select distinct as_of_date from marts.fct_revenue_forecast_history order by 1"
    ).fetchall()
    assert as_ofs == [(date(2026, 6, 15),), (date(2026, 7, 6),)]
    # the June forecast covered June 2026 .. June 2027; the July one July 2026 .. July 2027
    months = warehouse.execute(
        """select as_of_date, min(month_start), max(month_start), count(distinct month_start)
           from marts.fct_revenue_forecast_history group by 1 order by 1"""
    ).fetchall()
    assert months == [
        (date(2026, 6, 15), date(2026, 6, 1), date(2027, 6, 1), 13),
        (date(2026, 7, 6), date(2026, 7, 1), date(2027, 7, 1), 13),
    ]


def test_the_four_layers_of_a_month_add_up_to_its_total(warehouse):
    assert _layers(warehouse, JULY, "AMER") == {
        "actual": pytest.approx(2200.0),
        "scheduled": pytest.approx(10400.0),
        "unscheduled_backlog": pytest.approx(34300.0),
        "weighted_pipeline": 0.0,
    }
    assert _layers(warehouse, SEPTEMBER, "AMER") == {
        "actual": 0.0,
        "scheduled": 0.0,
        "unscheduled_backlog": pytest.approx(34300.0),
        "weighted_pipeline": pytest.approx(7500.0),
    }
    totals = warehouse.execute(
        """select month_start, region, sum(amount) from marts.mart_revenue_forecast
           where month_start <= ? and region in ('AMER', 'EMEA')
           group by 1, 2 order by 1, 2""",
        [SEPTEMBER],
    ).fetchall()
    assert totals == [
        (JULY, "AMER", pytest.approx(2200 + 10400 + 34300)),
        (JULY, "EMEA", pytest.approx(2200.0)),  # fixed fee: 50,000 x 11 / 250
        (AUGUST, "AMER", pytest.approx(34300.0)),
        (AUGUST, "EMEA", pytest.approx(47800.0)),  # past due: the whole remainder next month
        (SEPTEMBER, "AMER", pytest.approx(34300 + 7500)),
        (SEPTEMBER, "EMEA", 0.0),
    ]


def test_scheduled_layer_shows_hard_and_soft_allocations_apart(warehouse):
    row = warehouse.execute(
        """select hours, scheduled_hard_amount, scheduled_soft_amount
           from marts.mart_revenue_forecast
           where month_start = ? and region = 'AMER' and layer = 'scheduled'""",
        [JULY],
    ).fetchone()
    assert row == (pytest.approx(56.0), pytest.approx(8000.0), pytest.approx(2400.0))


def test_actual_revenue_of_a_closed_month_is_billable_hours_times_rate(warehouse):
    from_fact = warehouse.execute(
        """select sum(t.hours * m.bill_rate_in_cents / 100.0)
           from marts.fct_time_entries t
           join marts.dim_engagement e using (engagement_id)
           join raw_kantata.account_memberships m on m.user_id = t.kantata_user_id
           where t.is_billable and t.counts_toward_utilization and not e.is_fixed_fee
             and not e.is_internal and t.date_day between '2026-06-01' and '2026-06-30'"""
    ).fetchone()[0]
    metric = warehouse.execute(
        """select value from marts.mart_metric_values where metric = 'revenue_actual'
           and period_type = 'month' and period = '2026-06' and scope_type = 'org'"""
    ).fetchone()[0]
    assert from_fact == pytest.approx(4500.0)  # 12 h x 200 + 14 h x 150
    assert metric == pytest.approx(from_fact)


def test_bookings_weight_open_ps_lines_with_the_stage_probability_when_missing(warehouse):
    rows = warehouse.execute(
        """select close_month, region, segment, forecast_category, opportunity_count,
                  ps_amount, weighted_ps_amount
           from marts.mart_bookings_forecast order by close_month"""
    ).fetchall()
    assert rows == [
        (date(2026, 4, 1), "AMER", "Enterprise", "Closed", 1, 120000.0, 120000.0),
        (date(2026, 5, 1), "EMEA", "Mid-Market", "Closed", 1, 50000.0, 50000.0),
        (JULY, "AMER", "Enterprise", "Best Case", 1, 60000.0, 30000.0),
    ]


def test_capacity_forecast_compares_allocations_with_available_hours(warehouse):
    rows = warehouse.execute(
        """select week_start, region, role, supply_hours, demand_hours, forecast_utilization,
                  target_utilization, fte_week_hours, fte_gap
           from marts.mart_capacity_forecast
           where week_start in ('2026-07-06', '2026-07-13') order by week_start, region"""
    ).fetchall()
    assert rows == [
        # Alice: 40 h, all allocated; gap (40 - 40 x 0.8) / (40 x 0.8) = 0.25 FTE short
        (date(2026, 7, 6), "AMER", "Consultant", 40.0, 40.0, 1.0, 0.8, 40.0, pytest.approx(0.25)),
        (date(2026, 7, 6), "EMEA", "Senior Consultant", 32.0, 0.0, 0.0, 0.75, 40.0,
         pytest.approx(-24 / 30)),
        (date(2026, 7, 13), "AMER", "Consultant", 40.0, 0.0, 0.0, 0.8, 40.0,
         pytest.approx(-1.0)),
        # Bob: 32 h Mon-Thu, 16 h allocated; (16 - 32 x 0.75) / (40 x 0.75) = -0.2667
        (date(2026, 7, 13), "EMEA", "Senior Consultant", 32.0, 16.0, 0.5, 0.75, 40.0,
         pytest.approx(-8 / 30)),
    ]  # fmt: skip
    weeks = warehouse.execute(
        "select count(distinct week_start) from marts.mart_capacity_forecast"
    ).fetchone()[0]
    assert weeks == 12


def test_metric_catalog_feeds_the_sokr_scorecard(warehouse):
    bookings = warehouse.execute(
        """select period, value from marts.mart_metric_values
           where metric = 'bookings_closed_won' and scope_type = 'org'
             and period_type = 'quarter'"""
    ).fetchall()
    assert bookings == [("2026-Q2", 170000.0)]
    attach = warehouse.execute(
        """select numerator, denominator, value from marts.mart_metric_values
           where metric = 'ps_attach_rate' and period = '2026-Q2' and scope_type = 'org'"""
    ).fetchone()
    assert attach == (2.0, 2.0, 1.0)  # both won deals above their threshold have a PS line
    krs = warehouse.execute(
        """select kr_id, actual, score, expected, status from marts.mart_sokr_scorecard
           where kr_id in ('KR-2026Q3-1a', 'KR-2026Q3-3c') order by kr_id"""
    ).fetchall()
    # AMER July to date: Alice 6 + 5 billable h of 8 + 8 available -> 0.6875; baseline 0.58,
    # target 0.68 -> (0.6875 - 0.58) / 0.10 = 1.075, clipped to 1 >= expected 1 -> on_track
    assert krs == [
        ("KR-2026Q3-1a", 0.6875, 1.0, 1.0, "on_track"),
        ("KR-2026Q3-3c", None, None, pytest.approx(3 / 66), "no_data"),  # none won yet
    ]


def test_long_range_plan_covers_four_years_grown_by_the_growth_rate(warehouse):
    rows = warehouse.execute(
        """select fiscal_year, growth_factor from marts.mart_long_range_plan
           where region = 'AMER' and role = 'Consultant' order by fiscal_year"""
    ).fetchall()
    assert [r[0] for r in rows] == [2027, 2028, 2029, 2030]
    assert [r[1] for r in rows] == pytest.approx([1.15, 1.15**2, 1.15**3, 1.15**4])
