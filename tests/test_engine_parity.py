"""The same dbt project on two engines gives the same marts: the small sandbox's raw tables
(the demo's organisation, as of 2026-10-15) built once on DuckDB and once on PostgreSQL,
every mart compared on row count and a checksum over its rounded values
(``tests.engine_parity``; numbers rounded to 6 decimals, the rest as text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import pg_dbt
from tests.conftest import SANDBOX_AS_OF
from tests.dbt_helpers import raw_warehouse_from_sandbox, run_dbt
from tests.engine_parity import compare, parity

pytestmark = pytest.mark.slow


def test_every_mart_is_identical_on_duckdb_and_postgres(
    sandbox_db: Path, pg_server_dsn: str, tmp_path: Path
) -> None:
    as_of = SANDBOX_AS_OF.isoformat()
    raw_warehouse_from_sandbox(sandbox_db, tmp_path / "raw" / "psops.duckdb")
    duck_dir = tmp_path / "duckdb"
    duck_dir.mkdir()
    (duck_dir / "psops.duckdb").write_bytes((tmp_path / "raw" / "psops.duckdb").read_bytes())
    on_duckdb = run_dbt(["build"], duck_dir, as_of, tmp_path / "work-duckdb")
    assert on_duckdb.returncode == 0, on_duckdb.stdout[-4000:]

    on_postgres = pg_dbt.build(
        tmp_path / "raw" / "psops.duckdb",
        pg_server_dsn,
        "parity_demo",
        tmp_path / "postgres.duckdb",
        ["build"],
        as_of,
    )
    assert on_postgres.returncode == 0, on_postgres.stdout[-6000:]

    marts = parity(duck_dir / "psops.duckdb")
    assert len(marts) >= 30
    for busy in ("mart_utilization_monthly", "fct_sla_clocks", "mart_revenue_forecast"):
        assert marts[busy].rows > 0, busy  # a comparison of empty marts would prove nothing
    assert compare(duck_dir / "psops.duckdb", tmp_path / "postgres.duckdb") == []
