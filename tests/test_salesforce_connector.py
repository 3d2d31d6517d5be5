"""The Salesforce connector against the sandbox Salesforce REST server (real HTTPS on
loopback, the real simple-salesforce client, real DuckDB files)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from sources.common.errors import SourceConfigError
from sources.common.loader import StreamResult, ingest
from sources.salesforce import SOURCE, from_env
from sources.salesforce.extract import (
    SalesforceConfig,
    build_soql,
    login_domain,
    soql_datetime,
)
from sources.salesforce.tables import OPPORTUNITY
from sources.sandbox import salesforce_api
from sources.sandbox.salesforce_org import SalesforceOrg, write_org
from sources.sandbox.server_base import RunningServer
from tests.helpers import make_sandbox_db

T0 = datetime(2026, 3, 2, 14, 5, 0)


def stamp(seconds: int) -> datetime:
    return T0.replace(second=seconds)


def account(n: int, modstamp: int, deleted: bool = False, name: str | None = None) -> dict:
    return {
        "Id": f"001SB{n:013d}",
        "Name": name or f"Account {n}",
        "Industry": "Software",
        "Segment__c": "Enterprise",
        "Region__c": "EMEA",
        "OwnerId": "005SB0000000000001",
        "CreatedDate": datetime(2026, 1, 5, 9, 0, 0),
        "SystemModstamp": stamp(modstamp),
        "IsDeleted": deleted,
    }


def opportunity(n: int, modstamp: int, probability: float = 40.0) -> dict:
    return {
        "Id": f"006SB{n:013d}",
        "Name": f"Opp {n}",
        "AccountId": "001SB0000000000001",
        "OwnerId": "005SB0000000000001",
        "StageName": "Proposal",
        "Probability": probability,
        "Amount": 125000.5,
        "CloseDate": date(2026, 6, 30),
        "ForecastCategoryName": "Best Case",
        "IsClosed": False,
        "IsWon": False,
        "Type": "New Business",
        "CurrencyIsoCode": "USD",
        "CreatedDate": datetime(2026, 2, 1, 8, 30, 0),
        "SystemModstamp": stamp(modstamp),
        "IsDeleted": False,
    }


BASE_ROWS: dict[str, list[dict[str, Any]]] = {
    "salesforce_user": [
        {
            "Id": "005SB0000000000001",
            "Name": "Ada Lovelace",
            "Email": "Ada@PSOps.example",
            "IsActive": True,
            "CreatedDate": datetime(2025, 1, 1, 0, 0, 0),
            "SystemModstamp": stamp(1),
        }
    ],
    "salesforce_account": [account(n, modstamp=n, deleted=(n == 3)) for n in range(1, 6)],
    "salesforce_product2": [
        {
            "Id": "01tSB0000000000001",
            "Name": "PS Implementation",
            "Family": "Professional Services",
            "IsActive": True,
            "CreatedDate": datetime(2025, 6, 1, 0, 0, 0),
            "SystemModstamp": stamp(2),
            "IsDeleted": False,
        }
    ],
    "salesforce_opportunity": [opportunity(1, modstamp=7)],
    "salesforce_opportunitylineitem": [
        {
            "Id": "00kSB0000000000001",
            "OpportunityId": "006SB0000000000001",
            "Product2Id": "01tSB0000000000001",
            "Quantity": 2.0,
            "UnitPrice": 50000.0,
            "TotalPrice": 100000.0,
            "CreatedDate": datetime(2026, 2, 1, 8, 31, 0),
            "SystemModstamp": stamp(8),
            "IsDeleted": False,
        }
    ],
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start the sandbox server over a hand-made DB; the env points the connector at it."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SFDC_INSTANCE_URL", "SFDC_ACCESS_TOKEN", "SFDC_USERNAME", "SFDC_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    servers: list[RunningServer] = []

    class Sandbox:
        db_path = tmp_path / "sandbox" / "sandbox.duckdb"
        server: RunningServer

        def start(
            self,
            rows: dict[str, list[dict[str, Any]]],
            page_size: int = 2,
            org: SalesforceOrg | None = None,
        ) -> None:
            """(Re)build the sandbox DB with ``rows`` as ``org`` (default: a single-currency
            org with Segment__c and Region__c) and serve it."""
            if servers:
                servers.pop().stop()
            if self.db_path.exists():
                self.db_path.unlink()
            make_sandbox_db(self.db_path, rows)
            if org is not None:
                con = duckdb.connect(str(self.db_path))
                try:
                    write_org(con, org)
                finally:
                    con.close()
            self.server = salesforce_api.start(self.db_path, page_size=page_size)
            servers.append(self.server)
            for key, value in self.server.env.items():
                monkeypatch.setenv(key, value)

        def get(self, path: str, token: str | None = None, **params: str) -> requests.Response:
            headers = {"Authorization": f"Bearer {token or self.server.env['SFDC_ACCESS_TOKEN']}"}
            return requests.get(
                self.server.url + path,
                params=params,
                headers=headers,
                verify=self.server.env["SFDC_CA_BUNDLE"],
                timeout=10,
            )

    yield Sandbox()
    for server in servers:
        server.stop()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    yield con
    con.close()


def refresh(con: duckdb.DuckDBPyConnection) -> dict[str, StreamResult]:
    config = SOURCE.from_env(os.environ)
    SOURCE.check(config)
    return {stream.name: ingest(con, stream) for stream in SOURCE.streams(config)}


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# -- the connector, end to end ---------------------------------------------------------


def test_every_object_lands_as_typed_rows_with_its_original_json(sandbox, warehouse):
    sandbox.start(BASE_ROWS)
    results = refresh(warehouse)

    assert sorted(results) == ["account", "opportunity", "opportunitylineitem", "product2", "user"]
    assert rows(warehouse, "SELECT * EXCLUDE (_raw_json, _loaded_at) FROM raw_salesforce.user") == [
        (
            "005SB0000000000001",
            "Ada Lovelace",
            "Ada@PSOps.example",
            True,
            datetime(2025, 1, 1),
            stamp(1),
            False,
            None,
        )
    ]
    assert rows(
        warehouse,
        "SELECT * EXCLUDE (_raw_json, _loaded_at, _deleted_at) FROM raw_salesforce.opportunity",
    ) == [
        (
            "006SB0000000000001",
            "Opp 1",
            "001SB0000000000001",
            "005SB0000000000001",
            "Proposal",
            40.0,
            125000.5,
            date(2026, 6, 30),
            "Best Case",
            False,
            False,
            "New Business",
            None,  # a single-currency org has no CurrencyIsoCode
            datetime(2026, 2, 1, 8, 30),
            stamp(7),
            False,
            False,
        )
    ]
    assert rows(
        warehouse,
        'SELECT "Id", "OpportunityId", "Product2Id", "Quantity", "UnitPrice", "TotalPrice" '
        "FROM raw_salesforce.opportunitylineitem",
    ) == [
        ("00kSB0000000000001", "006SB0000000000001", "01tSB0000000000001", 2.0, 50000.0, 100000.0)
    ]
    assert rows(warehouse, 'SELECT "Id", "Family" FROM raw_salesforce.product2') == [
        ("01tSB0000000000001", "Professional Services")
    ]


def test_raw_json_keeps_the_record_as_salesforce_sent_it(sandbox, warehouse):
    sandbox.start(BASE_ROWS, org=SalesforceOrg(multi_currency=True))
    refresh(warehouse)

    (raw,) = rows(warehouse, "SELECT _raw_json FROM raw_salesforce.opportunity")[0]
    assert json.loads(raw) == {
        "attributes": {
            "type": "Opportunity",
            "url": "/services/data/v59.0/sobjects/Opportunity/006SB0000000000001",
        },
        "Id": "006SB0000000000001",
        "Name": "Opp 1",
        "AccountId": "001SB0000000000001",
        "OwnerId": "005SB0000000000001",
        "StageName": "Proposal",
        "Probability": 40.0,
        "Amount": 125000.5,
        "CloseDate": "2026-06-30",
        "ForecastCategoryName": "Best Case",
        "IsClosed": False,
        "IsWon": False,
        "Type": "New Business",
        "CurrencyIsoCode": "USD",
        "CreatedDate": "2026-02-01T08:30:00.000+0000",
        "SystemModstamp": "2026-03-02T14:05:07.000+0000",
        "IsDeleted": False,
    }


def test_deleted_records_arrive_through_query_all_marked_deleted(sandbox, warehouse):
    sandbox.start(BASE_ROWS)
    refresh(warehouse)

    assert rows(
        warehouse,
        'SELECT "Id", "IsDeleted", _deleted, _deleted_at IS NOT NULL '
        'FROM raw_salesforce.account ORDER BY "Id"',
    ) == [
        ("001SB0000000000001", False, False, False),
        ("001SB0000000000002", False, False, False),
        ("001SB0000000000003", True, True, True),
        ("001SB0000000000004", False, False, False),
        ("001SB0000000000005", False, False, False),
    ]


def test_pages_of_two_follow_next_records_url_and_commit_each_page_cursor(sandbox, warehouse):
    sandbox.start(BASE_ROWS, page_size=2)
    results = refresh(warehouse)

    accounts = results["account"]
    assert accounts.tables["account"].pages == 3
    assert accounts.tables["account"].inserted == 5
    assert accounts.tables["account"].deleted == 1
    assert accounts.cursor_after == "2026-03-02T14:05:05.000Z"
    assert rows(
        warehouse,
        "SELECT stream, cursor_value, rows_loaded FROM raw._ingest_state ORDER BY stream",
    ) == [
        ("account", "2026-03-02T14:05:05.000Z", 5),
        ("opportunity", "2026-03-02T14:05:07.000Z", 1),
        ("opportunitylineitem", "2026-03-02T14:05:08.000Z", 1),
        ("product2", "2026-03-02T14:05:02.000Z", 1),
        ("user", "2026-03-02T14:05:01.000Z", 1),
    ]


def test_incremental_run_fetches_only_changed_rows_and_a_rerun_changes_nothing(sandbox, warehouse):
    sandbox.start(BASE_ROWS)
    refresh(warehouse)

    changed = dict(BASE_ROWS)
    changed["salesforce_account"] = [
        *[account(n, modstamp=n, deleted=(n == 3)) for n in range(1, 5)],
        account(5, modstamp=30, name="Account 5 renamed"),
        account(6, modstamp=31),
    ]
    sandbox.start(changed)
    second = refresh(warehouse)

    # only rows at/after the cursor (14:05:05) travel: account 5 (changed) and 6 (new)
    assert second["account"].tables["account"].inserted == 1
    assert second["account"].tables["account"].updated == 1
    assert second["account"].cursor_after == "2026-03-02T14:05:31.000Z"
    assert rows(warehouse, 'SELECT "Name" FROM raw_salesforce.account ORDER BY "Id"') == [
        ("Account 1",),
        ("Account 2",),
        ("Account 3",),
        ("Account 4",),
        ("Account 5 renamed",),
        ("Account 6",),
    ]

    before = rows(warehouse, "SELECT * EXCLUDE (_loaded_at) FROM raw_salesforce.account ORDER BY 1")
    third = refresh(warehouse)
    after = rows(warehouse, "SELECT * EXCLUDE (_loaded_at) FROM raw_salesforce.account ORDER BY 1")
    assert after == before
    assert third["account"].tables["account"].inserted == 0
    assert third["account"].cursor_after == "2026-03-02T14:05:31.000Z"
    # the re-run asked only for the row at the cursor itself
    assert third["account"].tables["account"].updated == 1


def test_a_bad_record_is_quarantined_while_the_rest_of_its_page_loads(sandbox, warehouse):
    bad = dict(BASE_ROWS)
    bad["salesforce_opportunity"] = [
        opportunity(1, modstamp=7),
        opportunity(2, modstamp=8, probability=150.0),
    ]
    sandbox.start(bad)
    results = refresh(warehouse)

    assert results["opportunity"].tables["opportunity"].quarantined == 1
    assert rows(warehouse, 'SELECT "Id" FROM raw_salesforce.opportunity') == [
        ("006SB0000000000001",)
    ]
    quarantined = rows(
        warehouse, "SELECT source, object, record_id, reason, payload FROM raw._quarantine"
    )
    assert [q[:4] for q in quarantined] == [
        (
            "salesforce",
            "opportunity",
            "006SB0000000000002",
            "Probability is not a percentage between 0 and 100 (150.0)",
        )
    ]
    assert json.loads(quarantined[0][4])["Probability"] == 150.0


# -- configuration and credentials ------------------------------------------------------


def test_a_wrong_token_makes_check_name_sfdc_access_token(sandbox, monkeypatch):
    sandbox.start(BASE_ROWS)
    monkeypatch.setenv("SFDC_ACCESS_TOKEN", "00Dsandbox!wrong")

    with pytest.raises(SourceConfigError) as refused:
        SOURCE.check(SOURCE.from_env(os.environ))

    assert refused.value.variable == "SFDC_ACCESS_TOKEN"
    assert refused.value.problem == "credentials were refused (HTTP 401)"
    assert "00Dsandbox!wrong" not in str(refused.value)


def test_missing_variables_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SFDC_INSTANCE_URL", "SFDC_ACCESS_TOKEN", "SFDC_USERNAME", "SFDC_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SFDC_CA_BUNDLE", raising=False)

    with pytest.raises(SourceConfigError) as nothing:
        from_env(os.environ)
    assert nothing.value.variable == "SFDC_ACCESS_TOKEN"

    monkeypatch.setenv("SFDC_ACCESS_TOKEN", "token")
    with pytest.raises(SourceConfigError) as no_url:
        from_env(os.environ)
    assert no_url.value.variable == "SFDC_INSTANCE_URL"

    monkeypatch.delenv("SFDC_ACCESS_TOKEN")
    monkeypatch.setenv("SFDC_USERNAME", "ops@psops.example")
    with pytest.raises(SourceConfigError) as no_password:
        from_env(os.environ)
    assert no_password.value.variable == "SFDC_PASSWORD"


def test_password_login_is_used_when_no_access_token_is_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SFDC_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("SFDC_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SFDC_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("SFDC_USERNAME", "ops@psops.example")
    monkeypatch.setenv("SFDC_PASSWORD", "s3cret")
    monkeypatch.setenv("SFDC_SECURITY_TOKEN", "tok")

    config = from_env(os.environ)

    assert config == SalesforceConfig(
        "https://acme.my.salesforce.com",
        username="ops@psops.example",
        password="s3cret",
        security_token="tok",
    )
    assert config.credential_variable == "SFDC_PASSWORD"
    assert "s3cret" not in repr(config) and "tok'" not in repr(config)
    assert login_domain(config.instance_url) == "acme.my"
    assert login_domain("https://test.salesforce.com") == "test"
    assert login_domain(None) == "login"


def test_the_soql_asks_only_for_rows_changed_at_or_after_the_cursor():
    fields = OPPORTUNITY.column_names
    assert build_soql("Opportunity", fields, None).endswith(
        "FROM Opportunity ORDER BY SystemModstamp, Id"
    )
    assert build_soql("Opportunity", fields, "2026-03-02T14:05:07.000+0000") == (
        "SELECT Id, Name, AccountId, OwnerId, StageName, Probability, Amount, CloseDate, "
        "ForecastCategoryName, IsClosed, IsWon, Type, CurrencyIsoCode, CreatedDate, "
        "SystemModstamp, IsDeleted FROM Opportunity "
        "WHERE SystemModstamp >= 2026-03-02T14:05:07.000Z ORDER BY SystemModstamp, Id"
    )
    assert soql_datetime("2026-03-02T16:05:07.123+02:00") == "2026-03-02T14:05:07.123Z"


# -- the sandbox server's wire format ---------------------------------------------------


def test_a_bad_session_gets_salesforces_401(sandbox):
    sandbox.start(BASE_ROWS)
    response = sandbox.get("/services/data/v59.0/limits/", token="nope")
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_query_hides_deleted_rows_and_query_all_returns_them(sandbox):
    sandbox.start(BASE_ROWS, page_size=10)
    q = "SELECT Id, IsDeleted FROM Account ORDER BY SystemModstamp, Id"

    live = sandbox.get("/services/data/v59.0/query/", q=q).json()
    every = sandbox.get("/services/data/v59.0/queryAll/", q=q).json()

    assert (live["totalSize"], live["done"]) == (4, True)
    assert "001SB0000000000003" not in [r["Id"] for r in live["records"]]
    assert (every["totalSize"], every["done"]) == (5, True)
    assert every["records"][2] == {
        "attributes": {
            "type": "Account",
            "url": "/services/data/v59.0/sobjects/Account/001SB0000000000003",
        },
        "Id": "001SB0000000000003",
        "IsDeleted": True,
    }


def test_next_pages_live_at_a_query_locator_with_an_offset(sandbox):
    sandbox.start(BASE_ROWS, page_size=2)
    q = "SELECT Id FROM Account WHERE SystemModstamp > 2026-03-02T14:05:01Z ORDER BY Id LIMIT 3"

    first = sandbox.get("/services/data/v59.0/query/", q=q).json()
    assert first["totalSize"] == 3
    assert first["done"] is False
    assert [r["Id"] for r in first["records"]] == ["001SB0000000000002", "001SB0000000000004"]
    locator, offset = first["nextRecordsUrl"].rsplit("/", 1)[1].rsplit("-", 1)
    assert first["nextRecordsUrl"] == f"/services/data/v59.0/query/{locator}-2"

    second = sandbox.get(first["nextRecordsUrl"]).json()
    assert second == {
        "totalSize": 3,
        "done": True,
        "records": [
            {
                "attributes": {
                    "type": "Account",
                    "url": "/services/data/v59.0/sobjects/Account/001SB0000000000005",
                },
                "Id": "001SB0000000000005",
            }
        ],
    }


@pytest.mark.parametrize(
    ("soql", "error_code"),
    [
        ("SELECT Id FROM Account WHERE Name = 'Acme'", "MALFORMED_QUERY"),
        ("SELECT COUNT() FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE SystemModstamp >= '2026-01-01'", "MALFORMED_QUERY"),
        ("SELECT Id, Nmae FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Invoice__c", "INVALID_TYPE"),
        ("DELETE FROM Account", "MALFORMED_QUERY"),
    ],
)
def test_unsupported_soql_gets_salesforces_400(sandbox, soql, error_code):
    sandbox.start(BASE_ROWS)
    response = sandbox.get("/services/data/v59.0/queryAll/", q=soql)
    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == error_code
    assert error["message"]


def test_the_versions_list_needs_no_session_and_the_cert_is_reused(sandbox, tmp_path):
    sandbox.start(BASE_ROWS)
    first_cert = Path(sandbox.server.env["SFDC_CA_BUNDLE"]).read_bytes()
    response = requests.get(
        sandbox.server.url + "/services/data/",
        verify=sandbox.server.env["SFDC_CA_BUNDLE"],
        timeout=10,
    )
    assert response.status_code == 200
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in (
        response.json()
    )

    sandbox.start(BASE_ROWS)
    assert Path(sandbox.server.env["SFDC_CA_BUNDLE"]).read_bytes() == first_cert
    assert sandbox.server.env["SFDC_INSTANCE_URL"] == f"https://localhost:{sandbox.server.port}"
