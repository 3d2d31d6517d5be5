"""People history: Bob (test_dbt_utilization's dataset) moves from team Delivery Europe /
Senior Consultant to Delivery Nordics / Consultant, seen by the refresh as of Thursday
2026-07-09. Three dbt runs on one warehouse (as of 07-06, 07-09, 07-11; the last one a full
refresh): the snapshot keeps both versions, and every utilization day stays under the org
the person had that day, however the daily fact is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from tests.dbt_helpers import make_raw_warehouse, run_dbt
from tests.test_dbt_utilization import BOB, _identity_rows, _kantata_rows

pytestmark = pytest.mark.slow

# the utilization models and their ancestors (seeds and the snapshot included); their tests
# run in test_dbt_utilization's full build
NO_TESTS = ["--exclude-resource-type", "test", "unit_test"]
DAILY = ["--select", "+fct_utilization_daily", *NO_TESTS]
MARTS = ["--select", "+mart_utilization_monthly", "+dim_consultant", *NO_TESTS]


def _build(args: list[str], warehouse_dir, as_of: str, work_dir) -> None:
    result = run_dbt(args, warehouse_dir, as_of, work_dir)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("dbt_utilization_history")
    warehouse_dir = root / "warehouse"
    db = make_raw_warehouse(warehouse_dir / "psops.duckdb", {**_kantata_rows(), **_identity_rows()})
    _build(["build", *DAILY], warehouse_dir, "2026-07-06", root)
    con = duckdb.connect(str(db))
    con.execute(
        "update raw_kantata.custom_field_values set value = 'Delivery Nordics' where id = 'v5'"
    )
    con.execute("update raw_kantata.account_memberships set default_role_id = 'r1' where id = 'm2'")
    con.close()
    _build(["build", *DAILY], warehouse_dir, "2026-07-09", root)
    _build(["build", *MARTS, "--full-refresh"], warehouse_dir, "2026-07-11", root)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _bob(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(
        "select consultant_key from marts.dim_consultant where email = ?", [BOB]
    ).fetchone()[0]


def test_history_keeps_the_old_org_until_the_as_of_date_that_saw_the_change(warehouse):
    rows = warehouse.execute(
        """select version_number, valid_from, valid_to, is_current, observed_date, role, team
           from marts.dim_consultant_history where consultant_key = ?
           order by version_number""",
        [_bob(warehouse)],
    ).fetchall()
    assert rows == [
        (1, date(1900, 1, 1), date(2026, 7, 8), False, date(2026, 7, 6),
         "Senior Consultant", "Delivery Europe"),
        (2, date(2026, 7, 9), date(9999, 12, 31), True, date(2026, 7, 9),
         "Consultant", "Delivery Nordics"),
    ]  # fmt: skip
    current = warehouse.execute(
        "select role, team from marts.dim_consultant where email = ?", [BOB]
    ).fetchone()
    assert current == ("Consultant", "Delivery Nordics")


def test_each_day_counts_under_the_org_of_that_day_after_a_full_rebuild(warehouse):
    rows = warehouse.execute(
        """select date_day, role, team, target_utilization from marts.fct_utilization_daily
           where consultant_key = ? and date_day between '2026-07-07' and '2026-07-10'
           order by date_day""",
        [_bob(warehouse)],
    ).fetchall()
    # no target of his own: the seed's Senior Consultant 0.75, then Consultant 0.80
    assert rows == [
        (date(2026, 7, 7), "Senior Consultant", "Delivery Europe", 0.75),
        (date(2026, 7, 8), "Senior Consultant", "Delivery Europe", 0.75),
        (date(2026, 7, 9), "Consultant", "Delivery Nordics", 0.8),
        (date(2026, 7, 10), "Consultant", "Delivery Nordics", 0.8),
    ]


def test_a_mid_month_move_splits_the_month_between_both_teams(warehouse):
    rows = warehouse.execute(
        """select team, person_days, available_hours, billable_hours
           from marts.mart_utilization_monthly
           where month_start = '2026-07-01' and grain = 'team' and team like '%Europe'
              or month_start = '2026-07-01' and grain = 'team' and team like '%Nordics'
           order by team"""
    ).fetchall()
    # Europe: Jul 1-8 = 8 days; available Wed 1 (8 - 8 off) 0 + Thu 2 8 + Mon-Wed 6-8 24
    # = 32 h, billable 4 h (Thu 2). Nordics: Thu 9 (8 h) and Fri 10 (0 h, Mon-Thu workweek)
    assert rows == [("Delivery Europe", 8, 32.0, 4.0), ("Delivery Nordics", 2, 8.0, 0.0)]
