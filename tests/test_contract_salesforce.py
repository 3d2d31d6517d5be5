"""The Salesforce connector and sandbox held to Salesforce's documented contract
(``sources/salesforce/contract.py``): orgs differ in the fields ``describe()`` lists, the
connector adapts, and the sandbox refuses what Salesforce refuses, as Salesforce does
(real simple-salesforce over HTTPS, real DuckDB files)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sources.common.errors import SourceConfigError
from sources.common.loader import StreamResult, ingest
from sources.salesforce import SOURCE, tables
from sources.salesforce.contract import BY_TABLE, OPPORTUNITY, SOBJECTS, USER
from sources.salesforce.extract import SalesforceConfig, connect, plan_fields
from sources.salesforce.tables import COLUMNS
from sources.sandbox import salesforce_api
from sources.sandbox.salesforce_org import SalesforceOrg, write_org
from sources.sandbox.server_base import RunningServer
from tests.helpers import make_sandbox_db

T = datetime(2026, 3, 2, 14, 5, 0)
SETTINGS = ("PSOPS_SFDC_SEGMENT_FIELD", "PSOPS_SFDC_REGION_FIELD")
ROWS: dict[str, list[dict[str, Any]]] = {
    "salesforce_user": [
        {"Id": "005A", "Name": "Ada", "Email": "ada@x.example", "IsActive": False,
         "CreatedDate": T, "SystemModstamp": T},
    ],
    "salesforce_account": [
        {"Id": "001A", "Name": "Acme", "Industry": "Retail", "Segment__c": "Enterprise",
         "Region__c": "EMEA", "OwnerId": "005A", "CreatedDate": T, "SystemModstamp": T,
         "IsDeleted": False},
    ],
    "salesforce_opportunity": [
        {"Id": "006A", "Name": "Acme PS", "AccountId": "001A", "OwnerId": "005A",
         "StageName": "Proposal", "Probability": 50.0, "Amount": 1000.0,
         "CloseDate": T.date(), "IsClosed": False, "IsWon": False, "CurrencyIsoCode": "EUR",
         "CreatedDate": T, "SystemModstamp": T, "IsDeleted": False},
    ],
}  # fmt: skip


@pytest.fixture
def org_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``serve(org, rows)`` starts the sandbox Salesforce as ``org`` over ``rows`` and points
    the connector at it (no stray ``.env``, no field-name settings unless a test sets them)."""
    monkeypatch.chdir(tmp_path)
    for name in ("SFDC_USERNAME", "SFDC_PASSWORD", *SETTINGS):
        monkeypatch.delenv(name, raising=False)
    servers: list[RunningServer] = []

    def serve(org: SalesforceOrg, rows: dict[str, list[dict[str, Any]]] = ROWS) -> RunningServer:
        db_path = tmp_path / f"org{len(servers)}" / "sandbox.duckdb"
        make_sandbox_db(db_path, rows)
        con = duckdb.connect(str(db_path))
        write_org(con, org)
        con.close()
        servers.append(salesforce_api.start(db_path))
        for key, value in servers[-1].env.items():
            monkeypatch.setenv(key, value)
        return servers[-1]

    yield serve
    for server in servers:
        server.stop()


def extract(con: duckdb.DuckDBPyConnection) -> dict[str, StreamResult]:
    """A whole extraction of every object, as ``psops refresh`` runs it (check first)."""
    config = SOURCE.from_env(os.environ)
    SOURCE.check(config)
    return {stream.name: ingest(con, stream) for stream in SOURCE.streams(config)}


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.execute(sql).fetchone()


# -- what Salesforce refuses, refused as Salesforce does ----------------------------------


def test_is_deleted_on_user_is_refused_with_invalid_field_as_salesforce_does(org_server):
    server = org_server(SalesforceOrg())
    sf = connect(SOURCE.from_env(os.environ))

    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query_all("SELECT Id, IsDeleted FROM User")

    assert refused.value.status == 400
    assert refused.value.content == [
        {
            "message": "\nSELECT Id, IsDeleted FROM User\n           ^\n"
            "ERROR at Row:1:Column:12\n"
            "No such column 'IsDeleted' on entity 'User'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
            "errorCode": "INVALID_FIELD",
        }
    ]
    (problem,) = server.contract_problems()
    assert "query refused: INVALID_FIELD" in problem


def test_user_describe_lists_no_is_deleted_and_user_is_not_deletable(org_server):
    org_server(SalesforceOrg())
    described = connect(SOURCE.from_env(os.environ)).User.describe()

    assert (described["deletable"], described["undeletable"]) == (False, False)
    assert [f["name"] for f in described["fields"]] == [
        "Id", "Name", "Email", "IsActive", "CreatedDate", "SystemModstamp",
    ]  # fmt: skip
    assert described["fields"][0] == {
        "name": "Id", "label": "Id", "type": "id", "soapType": "tns:ID", "nillable": False,
        "custom": False, "filterable": True, "sortable": True,
    }  # fmt: skip


def test_query_all_on_user_and_a_null_the_vendor_never_sends_are_contract_departures(
    org_server,
):
    rows = {"salesforce_user": [{**ROWS["salesforce_user"][0], "Email": None}]}
    server = org_server(SalesforceOrg(), rows)
    sf = connect(SOURCE.from_env(os.environ))

    sf.query_all("SELECT Id, Email FROM User", include_deleted=True)

    assert [p for e in server.requests for p in e.contract_problems] == [
        "queryAll on User, which has no IsDeleted (its records are never deleted): use query",
        "User: Email is null but the vendor never sends null",
    ]


# -- a connector that adapts to the org -----------------------------------------------------


def test_an_org_without_currency_or_segment_loads_nulls_with_one_warning_per_object(
    org_server, tmp_path, caplog
):
    server = org_server(SalesforceOrg(multi_currency=False, segment_field=None))
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    with caplog.at_level(logging.WARNING, logger="sources.salesforce.extract"):
        results = extract(con)

    assert one(con, 'SELECT "Segment__c", "Region__c" FROM raw_salesforce.account') == (
        None,
        "EMEA",
    )
    assert one(con, 'SELECT "CurrencyIsoCode", "StageName" FROM raw_salesforce.opportunity') == (
        None,
        "Proposal",
    )
    assert caplog.messages == [
        "salesforce: Account.Segment__c (PSOPS_SFDC_SEGMENT_FIELD) is not in the org's "
        "describe(): Segment__c lands NULL; set PSOPS_SFDC_SEGMENT_FIELD to the org's API "
        "name of this field",
        "salesforce: Opportunity.CurrencyIsoCode exists only in multi-currency orgs: "
        "CurrencyIsoCode lands NULL",
    ]
    notes = {name: result.notes for name, result in results.items() if result.notes}
    assert notes == {  # the ingest asset's "warnings" metadata
        "account": [caplog.messages[0].removeprefix("salesforce: ")],
        "opportunity": [caplog.messages[1].removeprefix("salesforce: ")],
    }
    assert server.contract_problems() == []
    assert {e.status for e in server.requests} == {200}


def test_a_multi_currency_org_lands_currency_iso_code(org_server, tmp_path):
    org_server(SalesforceOrg(multi_currency=True))
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    extract(con)

    assert one(con, 'SELECT "CurrencyIsoCode" FROM raw_salesforce.opportunity') == ("EUR",)


def test_a_renamed_segment_field_mapped_by_its_setting_lands_in_segment__c(
    org_server, tmp_path, monkeypatch
):
    server = org_server(SalesforceOrg(segment_field="PS_Segment__c"))
    monkeypatch.setenv("PSOPS_SFDC_SEGMENT_FIELD", "ps_segment__c")  # SOQL names ignore case
    con = duckdb.connect(str(tmp_path / "psops.duckdb"))
    extract(con)

    assert one(
        con, "SELECT \"Segment__c\", _raw_json->>'PS_Segment__c' FROM raw_salesforce.account"
    ) == (
        "Enterprise",
        "Enterprise",
    )
    (soql,) = [e.query["q"] for e in server.requests if "FROM Account" in e.query.get("q", "")]
    assert soql.startswith("SELECT Id, Name, Industry, PS_Segment__c, Region__c, OwnerId")
    assert server.contract_problems() == []


def test_a_field_psops_needs_that_the_org_lacks_is_a_configuration_error():
    described = [n for n in OPPORTUNITY.field_names if n != "StageName"]
    config = SalesforceConfig("https://acme.my.salesforce.com", access_token="t")

    with pytest.raises(SourceConfigError) as missing:
        plan_fields(OPPORTUNITY, tables.OPPORTUNITY, described, config)

    assert missing.value.variable == "SFDC_ACCESS_TOKEN"
    assert missing.value.problem.startswith(
        "Opportunity.StageName is not in the org's describe() (the field does not exist, "
        "or the API user may not read it)"
    )


def test_a_field_name_setting_that_is_no_api_name_is_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFDC_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("SFDC_ACCESS_TOKEN", "t")
    monkeypatch.setenv("PSOPS_SFDC_REGION_FIELD", "Region c")

    with pytest.raises(SourceConfigError) as refused:
        SOURCE.from_env(os.environ)

    assert refused.value.variable == "PSOPS_SFDC_REGION_FIELD"


# -- the whole generated organisation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "settings"),
    [
        (None, {}),  # the session's default sandbox: single-currency, Segment__c, Region__c
        (SalesforceOrg(True, "PS_Segment__c", None), {"PSOPS_SFDC_SEGMENT_FIELD": "PS_Segment__c"}),
    ],
)
def test_every_request_of_a_full_extraction_follows_the_contract(
    org, settings, sandbox_servers, make_sandbox, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    if org is None:
        server = next(s for s in sandbox_servers if s.api.name == "salesforce")
        server.clear_requests()
    else:
        server = salesforce_api.start(make_sandbox(salesforce_org=org))
    try:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        con = duckdb.connect(str(tmp_path / "psops.duckdb"))
        extract(con)
        requests = server.requests
        problems = server.contract_problems()
    finally:
        if org is not None:
            server.stop()

    assert problems == []
    assert {e.status for e in requests} == {200}
    resources = {(e.query["q"].split(" FROM ")[1].split()[0], e.path.rstrip("/").rsplit("/", 1)[1])
                 for e in requests if "q" in e.query}  # fmt: skip
    assert resources == {
        ("User", "query"),
        ("Account", "queryAll"),
        ("Product2", "queryAll"),
        ("Opportunity", "queryAll"),
        ("OpportunityLineItem", "queryAll"),
    }
    segments = one(con, 'SELECT count(*), count("Segment__c") FROM raw_salesforce.account')
    assert segments[0] > 0 and segments[0] == segments[1]


# -- the contract itself ----------------------------------------------------------------


def test_raw_columns_are_exactly_the_contract_fields_with_matching_types():
    duckdb_types = {"string": "VARCHAR", "boolean": "BOOLEAN", "datetime": "TIMESTAMP",
                    "date": "DATE", "number": "DOUBLE", "integer": "BIGINT"}  # fmt: skip
    for table, columns in COLUMNS.items():
        contract = BY_TABLE[table]
        assert [c for c, _ in columns] == contract.field_names, table
        for (column, ctype), spec in zip(columns, contract.fields, strict=True):
            assert duckdb_types[spec.json_type] == ctype, f"{table}.{column}"
    assert "IsDeleted" not in USER.field_names and not USER.deletable
    assert [o.name for o in SOBJECTS.values() if o.query_resource == "queryAll"] == [
        "Account", "Product2", "Opportunity", "OpportunityLineItem",
    ]  # fmt: skip
