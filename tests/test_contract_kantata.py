"""The Kantata contract (``sources/kantata/contract.py``, from Kantata's OpenAPI spec): the
sandbox serves what the vendor documents and refuses what it refuses, and what psops sends
and receives holds to it — over real HTTP, with the real connector."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from sources.common.loader import ingest
from sources.kantata import SOURCE
from sources.kantata.contract import ENDPOINTS, is_incremental, request_problems
from sources.kantata.extract import READS, KantataConfig, get_page, make_kantata_session
from sources.sandbox import kantata_api
from sources.sandbox.credentials import KANTATA_TOKEN
from sources.sandbox.server_base import RunningServer
from tests.helpers import make_sandbox_db

T0 = datetime(2026, 9, 1, 12, 0, 0)


def _user(uid: str, name: str) -> dict[str, Any]:
    return {"id": uid, "full_name": name, "email_address": f"{name.lower()}@x.example"}


def _org() -> dict[str, list[dict[str, Any]]]:
    """Ada works on Acme (active) and Beta (archived); Bo is on the bench (no project);
    Cy left (membership disabled) after working on Acme."""
    return {
        "kantata_users": [_user("1", "Ada"), _user("2", "Bo"), _user("3", "Cy")],
        "kantata_account_memberships": [
            {"id": "7", "user_id": "1", "updated_at": T0},
            {"id": "8", "user_id": "2", "updated_at": T0},
            {"id": "9", "user_id": "3", "disabled_at": T0, "updated_at": T0},
        ],
        "kantata_workspaces": [
            {
                "id": "10",
                "title": "Acme",
                "status_key": "310",
                "status_message": "Active",
                "status_color": "green",
                "archived": False,
                "budgeted_hours": 2.5,
                "updated_at": T0,
            },
            {"id": "11", "title": "Beta", "archived": True, "updated_at": T0},
        ],
        "kantata_workspace_resources": [
            {"id": "80", "workspace_id": "10", "user_id": "1", "updated_at": T0},
            {"id": "81", "workspace_id": "10", "user_id": "3", "updated_at": T0},
        ],
        "kantata_time_entries": [
            {"id": "100", "user_id": "1", "workspace_id": "10", "date_performed": date(2026, 9, 1)},
            {"id": "101", "user_id": "1", "workspace_id": "11", "date_performed": date(2026, 9, 2)},
        ],
        "kantata_custom_fields": [
            {"id": "30", "name": "Region", "subject_type": "User", "value_type": "single"},
            {"id": "31", "name": "Jira Project Key", "subject_type": "Workspace"},
        ],
        "kantata_custom_field_choices": [
            {"id": "33", "custom_field_id": "30", "label": "EMEA"},
            {"id": "34", "custom_field_id": "30", "label": "AMER"},
        ],
        "kantata_custom_field_values": [
            {
                "id": "40",
                "subject_type": "User",
                "subject_id": "1",
                "custom_field_id": "30",
                "value": "33",
                "updated_at": T0,
            },  # fmt: skip
            {
                "id": "41",
                "subject_type": "Workspace",
                "subject_id": "10",
                "custom_field_id": "31",
                "value": "ACME",
                "updated_at": T0,
            },  # fmt: skip
        ],
        "kantata_holidays": [
            {"id": "52", "name": "New Year", "start_date": date(2027, 1, 1), "updated_at": T0},
            {
                "id": "51",
                "name": "Christmas",
                "start_date": date(2026, 12, 25),
                "end_date": date(2026, 12, 26),
                "updated_at": datetime(2026, 9, 2),
            },  # fmt: skip
        ],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    db = make_sandbox_db(tmp_path_factory.mktemp("contract") / "sandbox.duckdb", _org())
    with kantata_api.start(db) as running:
        yield running


@pytest.fixture
def fresh(server: RunningServer) -> RunningServer:
    server.clear_requests()
    return server


def _get(server: RunningServer, obj: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1/{obj}.json",
        params=params,
        headers={"Authorization": f"Bearer {KANTATA_TOKEN}"},
        timeout=10,
    )


def _ids(response: requests.Response) -> list[str]:
    return [ref["id"] for ref in response.json()["results"]]


def _records(response: requests.Response, obj: str) -> dict[str, dict[str, Any]]:
    return response.json()[obj]


def test_custom_field_values_without_subject_type_are_refused_with_kantatas_errors_body(
    fresh,
) -> None:
    response = _get(fresh, "custom_field_values")

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"type": "system", "message": "You must specify subject_type."}]
    }
    assert fresh.contract_problems() == [
        "GET /api/v1/custom_field_values.json {}: "
        "/api/v1/custom_field_values.json: required parameter 'subject_type' is missing"
    ]


def test_custom_field_values_are_served_per_subject_type(fresh) -> None:
    users = _get(fresh, "custom_field_values", subject_type="User", include="custom_field")
    workspaces = _get(fresh, "custom_field_values", subject_type="Workspace")

    assert _ids(users) == ["40"]
    assert _ids(workspaces) == ["41"]
    assert "custom_field_id" not in _records(workspaces, "custom_field_values")["41"]
    assert fresh.contract_problems() == []


def test_a_choice_field_value_is_the_list_of_its_choice_ids(fresh) -> None:
    record = _records(
        _get(fresh, "custom_field_values", subject_type="User", include="custom_field"),
        "custom_field_values",
    )["40"]

    assert (record["value"], record["display_value"]) == ([33], "EMEA")
    assert (record["custom_field_id"], record["custom_field_name"]) == ("30", "Region")
    assert record["subject_id"] == 1  # an integer, as the spec types it


def test_an_order_the_endpoint_does_not_list_is_ignored_and_the_default_served(fresh) -> None:
    default = _get(fresh, "holidays")
    unlisted = _get(fresh, "holidays", order="updated_at:desc")

    assert _ids(default) == _ids(unlisted) == ["51", "52"]  # start_date:asc
    assert unlisted.status_code == 200
    assert fresh.contract_problems() == [
        "GET /api/v1/holidays.json {'order': 'updated_at:desc'}: /api/v1/holidays.json: "
        "order 'updated_at:desc' is not a listed sort (valid: start_date)"
    ]


def test_a_listed_order_is_applied(fresh) -> None:
    assert _ids(_get(fresh, "holidays", order="start_date:desc")) == ["52", "51"]
    assert fresh.contract_problems() == []


def test_updated_after_is_ignored_where_kantata_does_not_document_it(fresh) -> None:
    response = _get(fresh, "holidays", updated_after="2026-09-01T12:00:00Z")

    assert _ids(response) == ["51", "52"]
    assert fresh.contract_problems() == [
        "GET /api/v1/holidays.json {'updated_after': '2026-09-01T12:00:00Z'}: "
        "/api/v1/holidays.json: parameter 'updated_after' is not documented"
    ]


def test_users_without_on_my_account_miss_the_bench_consultant(fresh) -> None:
    participants = _get(fresh, "users")
    account = _get(fresh, "users", on_my_account="true")

    assert _ids(participants) == ["1"]  # Bo has no project, Cy's membership is disabled
    assert _ids(account) == ["1", "2"]


def test_a_leaver_is_listed_only_with_show_disabled(fresh) -> None:
    users = _get(fresh, "users", on_my_account="true", show_disabled="true")
    active = _get(fresh, "account_memberships")
    inactive = _get(fresh, "account_memberships", only_inactive="true")

    assert _ids(users) == ["1", "2", "3"]
    assert (_ids(active), _ids(inactive)) == (["7", "8"], ["9"])


def test_an_archived_workspace_and_its_time_entries_come_only_with_their_flags(fresh) -> None:
    assert _ids(_get(fresh, "workspaces")) == ["10"]
    assert sorted(_ids(_get(fresh, "workspaces", include_archived="true"))) == ["10", "11"]
    assert _ids(_get(fresh, "time_entries")) == ["100"]
    flagged = _get(fresh, "time_entries", from_archived_workspaces="true")
    assert _ids(flagged) == ["101", "100"]  # date_performed:desc
    assert fresh.contract_problems() == []


def test_a_workspace_status_is_kantatas_object_and_budgeted_hours_estimated_minutes(
    fresh,
) -> None:
    record = _records(_get(fresh, "workspaces", optional_fields="estimated_minutes"), "workspaces")[
        "10"
    ]

    assert record["status"] == {"color": "green", "key": "310", "message": "Active"}
    assert record["estimated_minutes"] == 150
    assert "status_key" not in record and "budgeted_hours" not in record


def test_foreign_keys_gated_by_an_association_come_only_with_its_include(fresh) -> None:
    bare = _records(_get(fresh, "time_entries"), "time_entries")["100"]
    included = _records(_get(fresh, "time_entries", include="user,workspace"), "time_entries")

    assert "user_id" not in bare and "workspace_id" not in bare
    assert (included["100"]["user_id"], included["100"]["workspace_id"]) == ("1", "10")


def test_a_deliberately_wrong_request_shows_its_problems(fresh) -> None:
    response = _get(fresh, "users", order="updated_at:asc", since="yesterday", include="boss")

    assert response.status_code == 200  # Kantata ignores what it does not know
    assert fresh.contract_problems() == [
        f"GET /api/v1/users.json {q}: /api/v1/users.json: {p}"
        for q in [{"order": "updated_at:asc", "since": "yesterday", "include": "boss"}]
        for p in [
            "parameter 'since' is not documented",
            "order 'updated_at:asc' is not a listed sort (valid: alphabetical)",
            "include 'boss' is not documented",
        ]
    ]


def test_a_record_of_the_wrong_type_is_a_contract_problem() -> None:
    problems = ENDPOINTS["time_entries"].record_problems({"id": "1", "time_in_minutes": "ninety"})

    assert problems == ["time_entries: time_in_minutes should be integer, got str 'ninety'"]


def test_incremental_reads_follow_what_kantata_documents_of_updated_after_and_updated_at() -> None:
    ordered = {name for name, read in READS.items() if read.ordered}
    by_clock = {name for name, read in READS.items() if read.dated_by_clock}
    filtered = {
        name for name, read in READS.items() if read.incremental and not read.ordered
    } - by_clock
    whole = {name for name, read in READS.items() if not read.incremental}

    # the updated_after filter and the updated_at sort: a cursor per page
    assert ordered == {
        "account_memberships",
        "custom_fields",
        "custom_field_values",
        "workspaces",
        "time_entries",
        "workspace_resources",
        "workspace_allocations",
    }
    # the filter on an object with updated_at, but no updated_at sort (timesheet submissions:
    # "Valid values: `date:asc` and `date:desc`"): a cursor after the pass
    assert filtered == {
        "roles",
        "custom_field_choices",
        "workweeks",
        "workweek_memberships",
        "holiday_calendar_memberships",
        "timesheet_submissions",
    }
    # the filter on an object whose schema has no updated_at ("updated_after: Filter for
    # records updated after a specified datetime" on GET /time_off_entries and /users): the
    # pass is dated by the server's clock
    assert by_clock == {"users", "time_off_entries"}
    # no filter: holidays, holiday calendars and their associations
    assert whole == set(READS) - ordered - filtered - by_clock
    assert whole == {"holidays", "holiday_calendars", "holiday_calendar_associations"}
    assert ENDPOINTS["holidays"].sorts == {"start_date"}
    assert not is_incremental(ENDPOINTS["users"])  # updated_after, but only alphabetical
    assert "updated_at" not in ENDPOINTS["time_off_entries"].field_names


def test_every_query_the_connector_sends_is_documented() -> None:
    for read in READS.values():
        for variant in read.variants:
            query = {**read.params, **variant, "page": "1", "per_page": "200"}
            if read.ordered:
                query |= {"order": "updated_at:asc"}
            if read.incremental:
                query |= {"updated_after": "2026-01-01T00:00:00Z"}
            assert request_problems(ENDPOINTS[read.obj], query) == [], read.obj


def test_the_connector_refuses_to_send_an_undocumented_parameter(server) -> None:
    config = KantataConfig(url=server.url, token=KANTATA_TOKEN)

    with make_kantata_session(config) as session, pytest.raises(ValueError, match="since"):
        get_page(session, config, "holidays", {"since": "yesterday"})


def test_a_full_extraction_of_the_sandbox_org_holds_to_the_contract(
    sandbox_db: Path, tmp_path: Path
) -> None:
    warehouse = duckdb.connect(str(tmp_path / "psops.duckdb"))
    with kantata_api.start(sandbox_db) as running:
        config = KantataConfig(url=running.url, token=KANTATA_TOKEN)
        for stream in SOURCE.streams(config):
            ingest(warehouse, stream)
        problems = running.contract_problems()
        wrong = _get(running, "custom_field_values", order="title:asc")
        after_wrong = running.contract_problems()
    warehouse.close()

    assert problems == []
    assert wrong.status_code == 400
    prefix = "GET /api/v1/custom_field_values.json {'order': 'title:asc'}: "
    assert after_wrong[len(problems) :] == [
        f"{prefix}/api/v1/custom_field_values.json: required parameter 'subject_type' is missing",
        f"{prefix}/api/v1/custom_field_values.json: order 'title:asc' is not a listed sort "
        "(valid: created_at, subject_id, updated_at)",
    ]
