"""The GX gate (checks/): suites on raw tables in a real DuckDB file, run through GX Core."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from checks.gx_runner import SUITES, ExpectationOutcome, SuiteOutcome, run_suite
from sources.common.loader import QUARANTINE_TABLE, ensure_raw_schema
from sources.common.raw_tables import RawTable
from sources.sandbox.schema import KANTATA_TABLES

AS_OF = date(2026, 6, 1)
TABLE = "raw_kantata.time_entries"
RAW = {name: RawTable("kantata", name, KANTATA_TABLES[name]) for name in KANTATA_TABLES}


def _insert(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        full = {"_raw_json": "{}", "_loaded_at": datetime(2026, 6, 1), "_deleted": False, **row}
        cols = ", ".join(f'"{c}"' for c in full)
        marks = ", ".join("?" for _ in full)
        con.execute(
            f"INSERT INTO raw_kantata.{name} ({cols}) VALUES ({marks})", list(full.values())
        )


def entry(i: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": f"te-{i}",
        "user_id": "u-1",
        "workspace_id": "w-1",
        "date_performed": date(2026, 5, 4),
        "time_in_minutes": 480,
        "billable": True,
        "rate_in_cents": 20000,
        "updated_at": datetime(2026, 5, 29, 17, 0),
    }
    return {**row, **overrides}


def build_db(
    tmp_path: Path,
    entries: list[dict[str, Any]],
    quarantined: list[str] = (),
    without_primary_key: bool = False,
) -> Path:
    """A pipeline DuckDB with raw users, workspaces, time entries and quarantine rows."""
    path = tmp_path / "psops.duckdb"
    con = duckdb.connect(str(path))
    try:
        tables = [RAW["users"], RAW["workspaces"], RAW["time_entries"]]
        ensure_raw_schema(con, tables)  # raw._quarantine + each RawTable.create_sql()
        if without_primary_key:  # a table that lost its key (e.g. restored from a CTAS copy)
            con.execute(f"CREATE TABLE raw_kantata.te_copy AS SELECT * FROM {TABLE}")
            con.execute(f"DROP TABLE {TABLE}")
            con.execute("ALTER TABLE raw_kantata.te_copy RENAME TO time_entries")
        _insert(con, "users", [{"id": "u-1"}, {"id": "u-2"}, {"id": "u-gone", "_deleted": True}])
        _insert(con, "workspaces", [{"id": "w-1"}, {"id": "w-2"}])
        _insert(con, "time_entries", entries)
        for record_id in quarantined:
            con.execute(
                f"INSERT INTO {QUARANTINE_TABLE} (source, object, record_id, reason, payload, "
                "quarantined_at) VALUES ('kantata', 'time_entries', ?, "
                "'time_in_minutes: cannot read ''abc'' as INTEGER', '{}', TIMESTAMP '2026-06-01')",
                [record_id],
            )
    finally:
        con.close()
    return path


def run(path: Path, as_of: date = AS_OF) -> SuiteOutcome:
    con = duckdb.connect(str(path), read_only=True)  # as the Dagster check opens it
    try:
        return run_suite(con, TABLE, as_of)
    finally:
        con.close()


def by_name(outcome: SuiteOutcome, expectation: str) -> ExpectationOutcome:
    return next(e for e in outcome.expectations if e.expectation == expectation)


def test_time_entries_suite_is_registered_under_its_raw_table_name() -> None:
    assert TABLE in SUITES
    assert SUITES[TABLE].key == "id"


def test_clean_time_entries_pass_every_expectation(tmp_path: Path) -> None:
    entries = [entry(1), entry(2, user_id="u-2", workspace_id="w-2"), entry(3, billable=False)]
    entries += [entry(4, time_in_minutes=0), entry(5, time_in_minutes=1440)]
    entries += [entry(6, date_performed=date(2000, 1, 1))]
    entries += [entry(7, date_performed=AS_OF + timedelta(days=1))]  # time-zone tolerance

    outcome = run(build_db(tmp_path, entries))

    assert outcome.suite == TABLE
    assert outcome.table == TABLE
    assert outcome.row_count == 7
    assert [e.expectation for e in outcome.expectations] == [
        "expect_column_values_to_be_unique(id)",
        "expect_column_values_to_not_be_null(id)",
        "expect_column_values_to_be_between(time_in_minutes)",
        "expect_column_values_to_be_between(date_performed)",
        "expect_column_values_to_not_be_null(user_id)",
        "expect_column_values_to_be_in_set(user_id)",
        "expect_column_values_to_be_in_set(workspace_id)",
        "expect_column_values_to_be_between(rate_in_cents)",
        "expect_column_max_to_be_between(updated_at)",
        "row_count_vs_previous_load",
        "quarantine_share(time_entries)",
    ]
    assert all(e.passed for e in outcome.expectations)
    assert outcome.passed is True
    assert outcome.warnings == []
    assert outcome.summary() == "raw_kantata.time_entries: passed; 11 checks on 7 rows"


def test_duplicated_id_fails_with_error(tmp_path: Path) -> None:
    entries = [entry(1), entry(2), entry(2, time_in_minutes=60), entry(3)]

    outcome = run(build_db(tmp_path, entries, without_primary_key=True))

    unique = by_name(outcome, "expect_column_values_to_be_unique(id)")
    assert (unique.passed, unique.severity, unique.unexpected_count) == (False, "error", 2)
    assert unique.unexpected_sample == [{"id": "te-2"}]
    assert unique.details == '2 of 4 rows failed "id must be unique"'
    assert outcome.passed is False


def test_unknown_user_fails_and_the_sample_names_the_entry(tmp_path: Path) -> None:
    entries = [entry(i) for i in range(1, 6)]
    entries += [entry(9001, user_id="u-999"), entry(9002, user_id="u-gone")]  # deleted user

    outcome = run(build_db(tmp_path, entries))

    known = by_name(outcome, "expect_column_values_to_be_in_set(user_id)")
    assert (known.passed, known.severity, known.unexpected_count) == (False, "error", 2)
    assert known.unexpected_sample == [
        {"id": "te-9001", "user_id": "u-999"},
        {"id": "te-9002", "user_id": "u-gone"},
    ]
    assert outcome.passed is False
    assert outcome.summary().splitlines() == [
        "raw_kantata.time_entries: FAILED (blocking) — 1 error(s), 0 warning(s); "
        "11 checks on 7 rows",
        'raw_kantata.time_entries: 2 of 7 rows failed "user_id must be a known Kantata user" '
        "(error) — e.g. id=te-9001 user_id=u-999; id=te-9002 user_id=u-gone",
    ]


def test_missing_user_id_fails_not_null(tmp_path: Path) -> None:
    outcome = run(build_db(tmp_path, [entry(1), entry(2, user_id=None)]))

    not_null = by_name(outcome, "expect_column_values_to_not_be_null(user_id)")
    assert (not_null.passed, not_null.unexpected_count) == (False, 1)
    assert not_null.unexpected_sample == [{"id": "te-2", "user_id": None}]
    assert by_name(outcome, "expect_column_values_to_be_in_set(user_id)").passed is True
    assert outcome.passed is False


def test_minutes_outside_0_to_1440_fail_with_error(tmp_path: Path) -> None:
    entries = [entry(1), entry(2, time_in_minutes=1441), entry(3, time_in_minutes=-5)]

    outcome = run(build_db(tmp_path, entries))

    minutes = by_name(outcome, "expect_column_values_to_be_between(time_in_minutes)")
    assert (minutes.passed, minutes.severity, minutes.unexpected_count) == (False, "error", 2)
    assert minutes.unexpected_sample == [
        {"id": "te-2", "time_in_minutes": 1441},
        {"id": "te-3", "time_in_minutes": -5},
    ]
    assert minutes.details == '2 of 3 rows failed "time_in_minutes must be 0–1440 (0–24 h)"'
    assert outcome.passed is False


def test_dates_before_2000_or_after_as_of_plus_one_day_fail(tmp_path: Path) -> None:
    entries = [
        entry(1),
        entry(2, date_performed=date(1999, 12, 31)),
        entry(3, date_performed=AS_OF + timedelta(days=2)),
    ]

    outcome = run(build_db(tmp_path, entries))

    dates = by_name(outcome, "expect_column_values_to_be_between(date_performed)")
    assert (dates.passed, dates.unexpected_count) == (False, 2)
    assert dates.unexpected_sample == [
        {"id": "te-2", "date_performed": "1999-12-31"},
        {"id": "te-3", "date_performed": "2026-06-03"},
    ]
    assert run(tmp_path / "psops.duckdb", as_of=AS_OF + timedelta(days=1)).row_count == 3
    later = run(tmp_path / "psops.duckdb", as_of=AS_OF + timedelta(days=1))
    assert (
        by_name(later, "expect_column_values_to_be_between(date_performed)").unexpected_count == 1
    )


def test_unknown_workspace_only_warns_and_does_not_block(tmp_path: Path) -> None:
    outcome = run(build_db(tmp_path, [entry(1), entry(2, workspace_id="w-404")]))

    assert outcome.passed is True
    assert [w.expectation for w in outcome.warnings] == [
        "expect_column_values_to_be_in_set(workspace_id)"
    ]
    assert outcome.warnings[0].unexpected_sample == [{"id": "te-2", "workspace_id": "w-404"}]
    assert outcome.summary().splitlines() == [
        "raw_kantata.time_entries: passed with 1 warning(s); 11 checks on 2 rows",
        'raw_kantata.time_entries: 1 of 2 rows failed "workspace_id should be a known Kantata '
        'workspace" (warn) — e.g. id=te-2 workspace_id=w-404',
    ]


def test_quarantine_share_of_1_percent_warns(tmp_path: Path) -> None:
    entries = [entry(i) for i in range(99)]

    outcome = run(build_db(tmp_path, entries, quarantined=["te-bad-1"]))

    share = by_name(outcome, "quarantine_share(time_entries)")
    assert (share.passed, share.severity, share.unexpected_count) == (False, "warn", 1)
    assert share.details == (
        "1 % of time_entries records (1 of 100) are in raw._quarantine, "
        "above the 0.5 % warning limit"
    )
    assert share.unexpected_sample == [
        {"record_id": "te-bad-1", "reason": "time_in_minutes: cannot read 'abc' as INTEGER"}
    ]
    assert outcome.passed is True
    assert outcome.warnings == [share]


def test_quarantine_share_of_3_percent_is_an_error(tmp_path: Path) -> None:
    entries = [entry(i) for i in range(97)]

    outcome = run(build_db(tmp_path, entries, quarantined=["q-1", "q-2", "q-3", "q-3"]))

    share = by_name(outcome, "quarantine_share(time_entries)")
    assert (share.passed, share.severity, share.unexpected_count) == (False, "error", 3)
    assert share.details == (
        "3 % of time_entries records (3 of 100) are in raw._quarantine, above the 2 % error limit"
    )
    assert outcome.passed is False


def test_a_quarantined_record_loaded_since_no_longer_counts(tmp_path: Path) -> None:
    entries = [entry(i) for i in range(10)]

    outcome = run(build_db(tmp_path, entries, quarantined=["te-3"]))

    share = by_name(outcome, "quarantine_share(time_entries)")
    assert (share.passed, share.unexpected_count) == (True, 0)


def test_deleted_rows_are_not_validated(tmp_path: Path) -> None:
    entries = [entry(1), entry(2, time_in_minutes=99999, user_id="u-999", _deleted=True)]

    outcome = run(build_db(tmp_path, entries))

    assert outcome.row_count == 1
    assert outcome.passed is True
    assert outcome.warnings == []


def test_a_table_not_yet_loaded_fails_naming_the_ingest_to_run(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()

    outcome = run(path)

    assert outcome.passed is False
    assert outcome.row_count == 0
    assert outcome.summary().splitlines()[1] == (
        "raw_kantata.time_entries: raw_kantata.time_entries does not exist in the warehouse: "
        "run the kantata ingest first (error)"
    )


def test_a_table_without_a_suite_is_refused(tmp_path: Path) -> None:
    con = duckdb.connect()
    with pytest.raises(KeyError, match="no GX suite for 'raw_jira.nope'"):
        run_suite(con, "raw_jira.nope", AS_OF)


def test_gx_writes_nothing_and_sends_no_analytics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    db = build_db(tmp_path, [entry(1)])

    run(db)

    from checks.gx_runner import _gx_context

    # off in the context's own config: nothing writes GX_ANALYTICS_ENABLED into os.environ
    assert _gx_context().config.analytics_enabled is False
    assert sorted(p.name for p in work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "psops.duckdb"]
