"""The Kantata connector against the sandbox Kantata OX API v1 server, over real HTTP on
loopback, into a real DuckDB file."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from sources.common.errors import SourceConfigError
from sources.common.loader import Batch, Stream, StreamResult, ingest
from sources.kantata import SOURCE
from sources.kantata.extract import READS, KantataConfig, fetch_object, server_clock
from sources.kantata.tables import TABLES
from sources.sandbox import kantata_api
from sources.sandbox.credentials import KANTATA_TOKEN
from sources.sandbox.schema import KANTATA_TABLES
from sources.sandbox.server_base import RunningServer
from tests.helpers import make_sandbox_db

T0 = datetime(2026, 9, 1, 12, 0, 0)


def _entry(n: int, updated: datetime, minutes: int = 60, **extra: Any) -> dict[str, Any]:
    row = {
        "id": str(100 + n),
        "user_id": "1",
        "workspace_id": "10",
        "date_performed": date(2026, 9, n % 28 + 1),
        "time_in_minutes": minutes,
        "billable": n % 2 == 0,
        "rate_in_cents": 15000,
        "notes": f"entry {n}",
        "created_at": datetime(2026, 9, 1, 8, 0, 0),
        "updated_at": updated,
    }
    row.update(extra)
    return row


def _org(entries: list[dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The smallest organisation: one row in every Kantata table (plus ``entries``)."""
    return {
        "kantata_users": [
            {
                "id": "1",
                "full_name": "Ada Lovelace",
                "email_address": "ada@psops.example",
                "headline": "Consultant",
                "created_at": datetime(2025, 1, 2, 3, 4, 5),
                "updated_at": T0,
            }
        ],
        "kantata_roles": [{"id": "5", "name": "Consultant", "updated_at": T0}],
        "kantata_account_memberships": [
            {
                "id": "7",
                "user_id": "1",
                "default_role_id": "5",
                "billability_target": 75.0,
                "bill_rate_in_cents": 20000,
                "cost_rate_in_cents": 9000,
                "updated_at": T0,
            }
        ],
        "kantata_custom_fields": [
            {
                "id": "30",
                "name": "Region",
                "subject_type": "User",
                "value_type": "single",
                "updated_at": T0,
            }
        ],
        "kantata_custom_field_values": [
            {
                "id": "31",
                "subject_type": "User",
                "subject_id": "1",
                "custom_field_id": "30",
                "value": "33",
                "updated_at": T0,
            }
        ],
        "kantata_custom_field_choices": [
            {"id": "33", "custom_field_id": "30", "label": "EMEA", "updated_at": T0}
        ],
        "kantata_workweeks": [
            {
                "id": "40",
                "title": "Standard",
                "sunday_minutes": 0,
                "monday_minutes": 480,
                "tuesday_minutes": 480,
                "wednesday_minutes": 480,
                "thursday_minutes": 480,
                "friday_minutes": 480,
                "saturday_minutes": 0,
                "updated_at": T0,
            }
        ],
        "kantata_workweek_memberships": [
            {
                "id": "41",
                "workweek_id": "40",
                "user_id": "1",
                "start_date": date(2025, 1, 1),
                "updated_at": T0,
            }
        ],
        "kantata_holiday_calendars": [{"id": "50", "name": "EMEA", "updated_at": T0}],
        "kantata_holiday_calendar_memberships": [
            {
                "id": "51",
                "holiday_calendar_id": "50",
                "user_id": "1",
                "start_date": date(2025, 1, 1),
                "updated_at": T0,
            }
        ],
        "kantata_holidays": [
            {
                "id": "52",
                "name": "Christmas",
                "start_date": date(2026, 12, 25),
                "end_date": date(2026, 12, 26),
                "paid": True,
                "updated_at": T0,
            }
        ],
        "kantata_holiday_calendar_associations": [
            {"id": "53", "holiday_id": "52", "holiday_calendar_id": "50", "updated_at": T0}
        ],
        "kantata_workspaces": [
            {
                "id": "10",
                "title": "Acme rollout",
                "status_key": "310",
                "status_message": "Active",
                "status_color": "green",
                "start_date": date(2026, 8, 1),
                "due_date": date(2026, 12, 31),
                "price_in_cents": 5_000_000,
                "currency": "USD",
                "budgeted": True,
                "budgeted_hours": 250.0,
                "stories_are_fixed_fee_by_default": False,
                "archived": False,
                "created_at": datetime(2026, 7, 20, 9, 0, 0),
                "updated_at": T0,
            }
        ],
        "kantata_time_entries": entries if entries is not None else [_entry(1, T0)],
        "kantata_timesheet_submissions": [
            {
                "id": "60",
                "user_id": "1",
                "workspace_id": "10",
                "created_at": datetime(2026, 9, 7, 9, 0, 0),
                "start_date": date(2026, 8, 31),
                "end_date": date(2026, 9, 6),
                "status": "approved",
                "updated_at": T0,
            }
        ],
        "kantata_time_off_entries": [
            {
                "id": "70",
                "user_id": "1",
                "requested_date": date(2026, 9, 4),
                "hours": 4.0,
                "updated_at": T0,
            }
        ],
        "kantata_workspace_resources": [
            {"id": "80", "workspace_id": "10", "user_id": "1", "role_id": "5", "updated_at": T0}
        ],
        "kantata_workspace_allocations": [
            {
                "id": "90",
                "resource_id": "80",
                "workspace_id": "10",
                "user_id": "1",
                "start_date": date(2026, 10, 5),
                "end_date": date(2026, 10, 9),
                "minutes": 1200,
                "hard": True,
                "updated_at": T0,
            }
        ],
    }


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Start a server over a hand-made sandbox; the env points the connector at it."""
    servers: list[RunningServer] = []

    def start(rows: dict[str, list[dict[str, Any]]], name: str = "sandbox") -> RunningServer:
        db = make_sandbox_db(tmp_path / f"{name}.duckdb", rows)
        server = kantata_api.start(db)
        servers.append(server)
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    yield con
    con.close()


def _run(
    con: duckdb.DuckDBPyConnection, config: KantataConfig | None = None
) -> dict[str, StreamResult]:
    config = config or SOURCE.from_env(os.environ)
    SOURCE.check(config)
    return {s.name: ingest(con, s) for s in SOURCE.streams(config)}


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: str = "*") -> list[tuple]:
    return con.execute(f"SELECT {columns} FROM raw_kantata.{table} ORDER BY id").fetchall()


def _get(server: RunningServer, path: str, token: str = KANTATA_TOKEN, **params: Any):
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One read-only server for the wire-format tests: 25 entries, one second apart."""
    entries = [_entry(n, T0 + timedelta(seconds=n)) for n in range(25)]
    db = make_sandbox_db(tmp_path_factory.mktemp("kantata") / "sandbox.duckdb", _org(entries))
    with kantata_api.start(db) as server:
        yield server


def test_server_env_points_the_connector_at_it(shared_server) -> None:
    assert shared_server.env == {
        "KANTATA_URL": f"http://localhost:{shared_server.port}",
        "KANTATA_TOKEN": KANTATA_TOKEN,
    }


def test_list_response_has_kantatas_results_object_map_and_meta(shared_server) -> None:
    response = _get(
        shared_server,
        "/api/v1/time_entries.json",
        per_page=1,
        order="updated_at:desc",
        include="user,workspace",
    )

    assert response.status_code == 200
    assert response.json() == {
        "count": 25,
        "results": [{"key": "time_entries", "id": "124"}],
        "time_entries": {
            "124": {
                "id": "124",
                "user_id": "1",
                "workspace_id": "10",
                "date_performed": "2026-09-25",
                "time_in_minutes": 60,
                "billable": True,
                "rate_in_cents": 15000,
                "notes": "entry 24",
                "created_at": "2026-09-01T08:00:00+00:00",
                "updated_at": "2026-09-01T12:00:24+00:00",
            }
        },
        "meta": {"count": 25, "page_count": 25, "page_number": 1, "page_size": 1},
    }


def test_default_page_size_is_20_and_more_than_200_is_served_as_200(shared_server) -> None:
    default = _get(shared_server, "/api/v1/time_entries.json").json()
    capped = _get(shared_server, "/api/v1/time_entries.json", per_page=500).json()

    assert (len(default["results"]), default["meta"]["page_size"]) == (20, 20)
    assert (len(capped["results"]), capped["meta"]["page_size"]) == (25, 200)


def test_a_page_past_the_end_is_empty(shared_server) -> None:
    body = _get(shared_server, "/api/v1/time_entries.json", page=3, per_page=20).json()

    assert (body["count"], body["results"], body["time_entries"]) == (25, [], {})
    assert body["meta"] == {"count": 25, "page_count": 2, "page_number": 3, "page_size": 20}


def test_updated_after_is_strict_and_accepts_an_offset(shared_server) -> None:
    path = "/api/v1/time_entries.json"
    utc = _get(shared_server, path, updated_after="2026-09-01T12:00:23Z")
    offset = _get(shared_server, path, updated_after="2026-09-01T05:00:23-07:00")

    assert utc.json()["results"] == [{"key": "time_entries", "id": "124"}]
    assert offset.json()["results"] == [{"key": "time_entries", "id": "124"}]


def test_only_returns_the_requested_ids_in_the_documented_default_order(shared_server) -> None:
    body = _get(shared_server, "/api/v1/time_entries.json", only="103,101").json()

    # time entries default to date_performed:desc (103 was performed after 101)
    assert body["results"] == [
        {"key": "time_entries", "id": "103"},
        {"key": "time_entries", "id": "101"},
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"updated_after": "yesterday"},
        {"per_page": "0"},
        {"per_page": "many"},
        {"page": "-1"},
    ],
)
def test_an_unreadable_query_gets_kantatas_400_system_error(shared_server, params) -> None:
    response = _get(shared_server, "/api/v1/time_entries.json", **params)

    assert response.status_code == 400
    body = response.json()
    assert [e["type"] for e in body["errors"]] == ["system"]
    assert body["errors"][0]["message"]


def test_a_wrong_token_gets_kantatas_401(shared_server) -> None:
    response = _get(shared_server, "/api/v1/users.json", token="not-the-token")

    assert response.status_code == 401
    assert response.json() == {"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]}


def test_an_unknown_object_is_a_404_in_kantatas_error_shape(shared_server) -> None:
    response = _get(shared_server, "/api/v1/unicorns.json")

    assert response.status_code == 404
    assert response.json()["errors"][0]["type"] == "system"


def test_every_object_lands_in_its_raw_table_with_typed_columns_and_raw_json(
    serve, warehouse
) -> None:
    serve(_org())

    results = _run(warehouse)

    assert sorted(results) == sorted(KANTATA_TABLES)
    assert warehouse.execute("SELECT count(*) FROM raw._quarantine").fetchone() == (0,)
    for name in KANTATA_TABLES:
        assert warehouse.execute(f"SELECT count(*) FROM raw_kantata.{name}").fetchone() == (1,)
    incremental = {n for n, r in results.items() if not r.read_whole}
    # which endpoints those are is the contract's fact (tests/test_contract_kantata.py)
    assert incremental == {name for name, read in READS.items() if read.incremental}
    by_clock = {n for n in incremental if READS[n].dated_by_clock}
    # the spec documents updated_after on users and time off entries, whose schemas have no
    # updated_at: their pass is dated by the server's clock (here the machine's: no manifest)
    assert by_clock == {"users", "time_off_entries"}
    assert {results[n].cursor_after for n in incremental - by_clock} == {"2026-09-01T12:00:00"}
    a_minute_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
    for name in by_clock:
        clock = datetime.fromisoformat(results[name].cursor_after)
        assert abs(clock - a_minute_ago) < timedelta(seconds=30), name
    assert {results[n].cursor_after for n in set(results) - incremental} == {None}
    columns = ", ".join(f'"{c}"' for c, _ in KANTATA_TABLES["time_entries"])
    assert _rows(warehouse, "time_entries", columns) == [
        (
            "101",
            "1",
            "10",
            date(2026, 9, 2),
            60,
            False,
            15000,
            "entry 1",
            datetime(2026, 9, 1, 8, 0, 0),
            T0,
        )
    ]
    assert _rows(warehouse, "workspaces", "price_in_cents, budgeted, budgeted_hours") == [
        (5_000_000, True, 250.0)
    ]
    assert _rows(warehouse, "workspaces", "status_key, status_message, status_color") == [
        ("310", "Active", "green")
    ]
    assert _rows(warehouse, "account_memberships", "user_id, default_role_id, disabled_at") == [
        ("1", "5", None)
    ]
    assert _rows(warehouse, "custom_fields", "subject_type") == [("User",)]
    assert _rows(warehouse, "custom_field_values", "subject_id, custom_field_id, value") == [
        ("1", "30", "33")
    ]
    assert _rows(warehouse, "holiday_calendar_associations", "holiday_id, holiday_calendar_id") == [
        ("52", "50")
    ]
    assert _rows(warehouse, "timesheet_submissions", "user_id, workspace_id") == [("1", "10")]
    assert _rows(warehouse, "workspace_allocations", "resource_id, workspace_id") == [("80", "10")]
    raw = warehouse.execute("SELECT _raw_json, _deleted FROM raw_kantata.users").fetchone()
    assert json.loads(raw[0]) == {
        "id": "1",
        "full_name": "Ada Lovelace",
        "email_address": "ada@psops.example",
        "headline": "Consultant",
    }
    assert raw[1] is False


def test_a_small_page_size_reads_every_page_each_with_its_cursor(serve, warehouse) -> None:
    entries = [_entry(n, datetime(2026, 9, 1, 12, 0, n)) for n in range(5)]
    serve(_org(entries))
    config = dataclasses.replace(SOURCE.from_env(os.environ), per_page=2)
    stream = next(s for s in SOURCE.streams(config) if s.name == "time_entries")

    cursors = [batch.cursor for batch in stream.fetch(None)]
    result = ingest(warehouse, stream)

    assert cursors == ["2026-09-01T12:00:01", "2026-09-01T12:00:03", "2026-09-01T12:00:04"]
    stats = result.tables["time_entries"]
    assert (stats.pages, stats.inserted, stats.updated) == (3, 5, 0)
    assert result.cursor_after == "2026-09-01T12:00:04"
    assert [r[0] for r in _rows(warehouse, "time_entries", "id")] == [
        "100",
        "101",
        "102",
        "103",
        "104",
    ]


def test_a_window_restart_keeps_offsets_shallow_and_misses_nothing(serve, warehouse) -> None:
    # 9 entries over 3 seconds (3 per second); 2 per page; restart after 2 pages
    entries = [_entry(n, datetime(2026, 9, 1, 12, 0, n // 3)) for n in range(9)]
    serve(_org(entries))
    config = dataclasses.replace(SOURCE.from_env(os.environ), per_page=2, restart_after_pages=2)
    stream = next(s for s in SOURCE.streams(config) if s.name == "time_entries")

    result = ingest(warehouse, stream)

    assert len(_rows(warehouse, "time_entries")) == 9
    assert result.cursor_after == "2026-09-01T12:00:02"


def test_many_records_in_one_second_still_finish_with_a_window_restart(serve, warehouse) -> None:
    serve(_org([_entry(n, T0) for n in range(7)]))
    config = dataclasses.replace(SOURCE.from_env(os.environ), per_page=2, restart_after_pages=1)
    stream = next(s for s in SOURCE.streams(config) if s.name == "time_entries")

    result = ingest(warehouse, stream, commit_every=1)  # one transaction per page

    # page 1 (no window), then the window from 12:00:00 re-reads it and pages on: 1 + 4
    stats = result.tables["time_entries"]
    assert (stats.inserted, stats.updated, stats.pages) == (7, 2, 5)


def test_an_incremental_run_reads_only_changed_rows_and_a_rerun_changes_nothing(
    serve, warehouse
) -> None:
    first = [_entry(n, datetime(2026, 9, 1, 12, 0, n)) for n in range(3)]
    serve(_org(first), name="day1")
    _run(warehouse)
    changed = [
        first[0],
        first[1],
        _entry(2, datetime(2026, 9, 2, 9, 0, 0), minutes=90),  # edited
        _entry(3, datetime(2026, 9, 2, 9, 30, 0)),  # new
    ]
    serve(_org(changed), name="day2")

    second = _run(warehouse)
    after_second = _rows(warehouse, "time_entries", "id, time_in_minutes, updated_at")
    third = _run(warehouse)

    stats = second["time_entries"].tables["time_entries"]
    assert (stats.inserted, stats.updated) == (1, 1)
    assert second["time_entries"].cursor_after == "2026-09-02T09:30:00"
    # only its cursor's own second
    assert second["account_memberships"].tables["account_memberships"].received == 1
    assert after_second == [
        ("100", 60, datetime(2026, 9, 1, 12, 0, 0)),
        ("101", 60, datetime(2026, 9, 1, 12, 0, 1)),
        ("102", 90, datetime(2026, 9, 2, 9, 0, 0)),
        ("103", 60, datetime(2026, 9, 2, 9, 30, 0)),
    ]
    rerun = third["time_entries"].tables["time_entries"]
    assert (rerun.inserted, rerun.quarantined) == (0, 0)
    assert third["time_entries"].cursor_after == "2026-09-02T09:30:00"
    assert _rows(warehouse, "time_entries", "id, time_in_minutes, updated_at") == after_second


def test_a_wrong_token_makes_check_raise_naming_kantata_token(serve, monkeypatch) -> None:
    serve(_org())
    monkeypatch.setenv("KANTATA_TOKEN", "not-the-token")

    with pytest.raises(SourceConfigError) as refused:
        SOURCE.check(SOURCE.from_env(os.environ))

    assert refused.value.variable == "KANTATA_TOKEN"
    assert refused.value.problem == "credentials were refused (HTTP 401)"
    assert "not-the-token" not in str(refused.value)


def test_a_missing_url_is_named(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("KANTATA_URL", raising=False)
    monkeypatch.setenv("KANTATA_TOKEN", "x")

    with pytest.raises(SourceConfigError) as missing:
        SOURCE.from_env(os.environ)

    assert missing.value.variable == "KANTATA_URL"


def test_a_negative_time_entry_is_quarantined_while_the_rest_of_the_page_loads(
    serve, warehouse
) -> None:
    serve(_org([_entry(1, T0), _entry(2, T0, minutes=-30), _entry(3, T0)]))

    result = _run(warehouse)["time_entries"]

    stats = result.tables["time_entries"]
    assert (stats.inserted, stats.quarantined) == (2, 1)
    assert [r[0] for r in _rows(warehouse, "time_entries", "id")] == ["101", "103"]
    quarantined = warehouse.execute(
        "SELECT source, object, record_id, reason FROM raw._quarantine"
    ).fetchall()
    assert quarantined == [("kantata", "time_entries", "102", "time_in_minutes is negative (-30)")]


def test_an_unparseable_date_is_quarantined_with_the_reason(warehouse) -> None:
    good = {
        "id": "1",
        "user_id": "1",
        "workspace_id": "10",
        "date_performed": "2026-09-01",
        "time_in_minutes": 60,
        "updated_at": "2026-09-01T12:00:00+00:00",
    }
    bad = {**good, "id": "2", "date_performed": "2026-13-45"}
    stream = Stream(
        "kantata",
        "time_entries",
        [TABLES["time_entries"]],
        lambda since: iter([Batch({"time_entries": [good, bad]}, "2026-09-01T12:00:00")]),
    )

    ingest(warehouse, stream)

    assert _rows(warehouse, "time_entries", "id") == [("1",)]
    assert warehouse.execute("SELECT record_id, reason FROM raw._quarantine").fetchall() == [
        ("2", "date_performed: cannot read '2026-13-45' as DATE")
    ]


def test_the_config_never_shows_the_token() -> None:
    config = KantataConfig(url="http://localhost:1", token="secret-token")

    assert "secret-token" not in repr(config)


def test_an_object_read_in_two_passes_moves_its_cursor_only_after_the_last(
    serve, warehouse
) -> None:
    org = _org()
    org["kantata_account_memberships"].append(
        {"id": "8", "user_id": "1", "disabled_at": T0, "updated_at": T0 - timedelta(days=1)}
    )
    serve(org)
    streams = SOURCE.streams(SOURCE.from_env(os.environ))
    stream = next(s for s in streams if s.name == "account_memberships")

    cursors = [batch.cursor for batch in stream.fetch(None)]
    result = ingest(warehouse, stream)

    assert cursors == [None, None, "2026-09-01T12:00:00"]  # active pass, inactive pass, end
    assert _rows(warehouse, "account_memberships", "id, disabled_at") == [("7", None), ("8", T0)]
    assert result.cursor_after == "2026-09-01T12:00:00"


def _submission(n: int, week: date, updated: datetime, status: str = "submitted") -> dict:
    return {
        "id": str(60 + n),
        "user_id": "1",
        "workspace_id": "10",
        "created_at": datetime(2026, 9, 7, 9, 0, 0),
        "start_date": week,
        "end_date": week + timedelta(days=6),
        "status": status,
        "updated_at": updated,
    }


def test_timesheet_submissions_are_read_by_updated_after_in_date_order_cursor_at_the_end(
    serve, warehouse
) -> None:
    # Kantata documents updated_after for timesheet submissions but sorts them by date only
    # ("Valid values: `date:asc` and `date:desc`"): each page's max updated_at is no cursor
    weeks = [date(2026, 8, 3) + timedelta(weeks=n) for n in range(4)]
    first = [_submission(n, weeks[n], T0 + timedelta(hours=3 - n)) for n in range(4)]
    org = _org()
    org["kantata_timesheet_submissions"] = first
    serve(org, name="day1")
    config = dataclasses.replace(SOURCE.from_env(os.environ), per_page=2)
    stream = next(s for s in SOURCE.streams(config) if s.name == "timesheet_submissions")

    cursors = [batch.cursor for batch in stream.fetch(None)]
    result = ingest(warehouse, stream)

    assert cursors == [None, None, "2026-09-01T15:00:00"]  # two pages, then the pass's max
    assert (result.read_whole, result.cursor_after) == (False, "2026-09-01T15:00:00")
    changed = [*first[:3], _submission(3, weeks[3], datetime(2026, 9, 2, 8), "approved")]
    changed.append(_submission(4, weeks[3] + timedelta(weeks=1), datetime(2026, 9, 2, 9)))
    org["kantata_timesheet_submissions"] = changed
    server = serve(org, name="day2")
    config = dataclasses.replace(SOURCE.from_env(os.environ), per_page=2)
    stream = next(s for s in SOURCE.streams(config) if s.name == "timesheet_submissions")

    second = ingest(warehouse, stream)

    lists = [r for r in server.requests if r.path == "/api/v1/timesheet_submissions.json"]
    assert [r.query.get("updated_after") for r in lists] == ["2026-09-01T14:59:59Z"] * 2
    assert all("order" not in r.query for r in lists)  # the documented default order
    stats = second.tables["timesheet_submissions"]
    # the changed and the new submission, and the first run's newest (its cursor's second)
    assert (stats.received, stats.inserted, stats.updated) == (3, 1, 2)
    assert second.cursor_after == "2026-09-02T09:00:00"
    assert _rows(warehouse, "timesheet_submissions", "id, status") == [
        ("60", "submitted"),
        ("61", "submitted"),
        ("62", "submitted"),
        ("63", "approved"),
        ("64", "submitted"),
    ]


def _time_off(n: int, day: date, updated: datetime, hours: float = 8.0) -> dict[str, Any]:
    return {"id": str(70 + n), "user_id": "1", "requested_date": day, "hours": hours,
            "updated_at": updated}  # fmt: skip


def test_time_off_entries_are_read_by_updated_after_from_the_servers_clock(
    serve, warehouse, tmp_path: Path
) -> None:
    # GET /time_off_entries documents updated_after ("Filter for records updated after a
    # specified datetime") but a TimeOffEntry has no updated_at: the pass is dated by the
    # server's HTTP Date. The sandbox answers in its dataset's time (manifest.json's as-of).
    (tmp_path / "manifest.json").write_text(json.dumps({"as_of": "2026-09-05"}))
    org = _org()
    org["kantata_time_off_entries"] = [_time_off(n, date(2026, 9, 20 + n), T0) for n in range(3)]
    server = serve(org, name="day1")
    response = _get(server, "/api/v1/time_off_entries.json")
    assert response.headers["Date"] == "Sat, 05 Sep 2026 00:00:00 GMT"
    stream = next(
        s for s in SOURCE.streams(SOURCE.from_env(os.environ)) if s.name == "time_off_entries"
    )

    first = ingest(warehouse, stream)

    assert (first.read_whole, first.cursor_after) == (False, "2026-09-04T23:59:00")  # Date - 1 min
    (tmp_path / "manifest.json").write_text(json.dumps({"as_of": "2026-09-06"}))
    moved = [_time_off(0, date(2026, 9, 20), datetime(2026, 9, 5, 10), hours=4.0)]
    org["kantata_time_off_entries"] = moved + org["kantata_time_off_entries"][1:]
    org["kantata_time_off_entries"].append(
        _time_off(3, date(2026, 9, 30), datetime(2026, 9, 5, 11))
    )
    server = serve(org, name="day2")
    stream = next(
        s for s in SOURCE.streams(SOURCE.from_env(os.environ)) if s.name == "time_off_entries"
    )

    second = ingest(warehouse, stream)

    lists = [r for r in server.requests if r.path == "/api/v1/time_off_entries.json"]
    assert [r.query.get("updated_after") for r in lists] == ["2026-09-04T23:58:59Z"]
    stats = second.tables["time_off_entries"]
    assert (stats.received, stats.inserted, stats.updated) == (2, 1, 1)  # only what changed
    assert second.cursor_after == "2026-09-05T23:59:00"
    assert _rows(warehouse, "time_off_entries", "id, hours") == [
        ("70", 4.0), ("71", 8.0), ("72", 8.0), ("73", 8.0)
    ]  # fmt: skip


class _FixedClockSession:
    """A session whose answers are ``pages`` in turn, each dated ``served`` (HTTP Date)."""

    def __init__(self, pages: list[dict[str, Any]], served: str) -> None:
        self.pages, self.served = pages, served

    def get(self, url: str, params: dict[str, Any]) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers["Date"] = self.served
        response._content = json.dumps(self.pages.pop(0)).encode()
        return response


def test_a_filtered_pass_never_moves_its_cursor_past_the_servers_clock_at_its_start() -> None:
    # a record updated while the pass pages in date order may sit on a page already read:
    # its update is newer than the pass's start, so the next run must ask from before it
    def page(n: int, updated: str, count: int) -> dict[str, Any]:
        record = {"id": str(n), "updated_at": updated}
        meta = {"count": count, "page_count": 2, "page_number": n, "page_size": 1}
        results = [{"key": "timesheet_submissions", "id": str(n)}]
        return {"results": results, "timesheet_submissions": {str(n): record}, "meta": meta}

    pages = [page(1, "2026-09-01T12:00:00Z", 2), page(2, "2026-09-01T12:30:05Z", 2)]
    session = _FixedClockSession(pages, "Tue, 01 Sep 2026 12:30:00 GMT")
    config = KantataConfig(url="http://kantata.invalid", token="t")

    batches = list(fetch_object(session, config, "timesheet_submissions", None))

    assert [b.cursor for b in batches] == [None, None, "2026-09-01T12:29:00"]  # Date - 1 min


def test_the_servers_clock_comes_from_the_http_date_header() -> None:
    response = requests.Response()
    assert server_clock(response) is None
    response.headers["Date"] = "Wed, 02 Sep 2026 09:00:30 GMT"
    assert server_clock(response) == "2026-09-02T08:59:30"
