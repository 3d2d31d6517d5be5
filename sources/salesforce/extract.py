"""Salesforce extraction on ``simple-salesforce``: SOQL adapted to the org, one page a batch.

Each sObject is one stream with its own cursor on ``SystemModstamp``.  A run first asks the
org's ``describe()`` which fields it has, then sends::

    SELECT <the raw columns the org has, under the org's names> FROM <Object>
    [WHERE SystemModstamp >= <cursor>] ORDER BY SystemModstamp, Id

to ``/queryAll`` for objects that can be deleted (deleted rows arrive with ``IsDeleted =
true``) and to ``/query`` for ``User`` (no ``IsDeleted``: users are deactivated, never
deleted), following ``nextRecordsUrl``.  Orgs differ (``contract.py``): ``CurrencyIsoCode``
exists only with multi-currency on, and the custom fields ``Segment__c`` / ``Region__c``
may be missing or named otherwise (``PSOPS_SFDC_SEGMENT_FIELD`` / ``PSOPS_SFDC_REGION_FIELD``
map the org's names onto our raw columns).  An optional field the org lacks lands NULL with
one warning per object and run; a field psops needs (e.g. ``Opportunity.StageName``) that
``describe()`` does not list is a ``SourceConfigError`` raised by ``check`` before anything
is written.

Every page becomes one ``Batch`` whose cursor is the page's largest ``SystemModstamp``; the
ascending order makes committing it with the page safe.  The objects are fetched
concurrently, each on its own session, all sharing the run's HTTP policy (retry budget,
``PSOPS_SALESFORCE_RATE_LIMIT``); a password login happens once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from sources.common.config import field_name_setting, require, setting
from sources.common.errors import SourceConfigError, SourceUnavailableError, status_error
from sources.common.http import HttpPolicy, make_session
from sources.common.loader import Batch
from sources.common.raw_tables import RawTable, to_timestamp
from sources.common.settings import RunSettings, read_run_settings, validated_url
from sources.salesforce.contract import BY_TABLE, SObject, custom_field_settings
from sources.salesforce.tables import SYSTEM

if TYPE_CHECKING:  # simple_salesforce loads when a client is made, not with the Dagster definitions
    from simple_salesforce import Salesforce

log = logging.getLogger(__name__)

SOURCE_NAME = SYSTEM
API_VERSION = "59.0"
CURSOR_FIELD = "SystemModstamp"
URL_VARIABLE = "SFDC_INSTANCE_URL"


def default_field_names() -> dict[str, str]:
    """Each custom field psops reads -> the org's API name psops assumes (the same name)."""
    return {name: name for name in custom_field_settings()}


@dataclass(frozen=True)
class SalesforceConfig:
    """Where and how to reach Salesforce; secrets are kept out of ``repr``."""

    instance_url: str | None
    access_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    api_version: str = API_VERSION
    # our raw column of each custom field -> the org's API name (PSOPS_SFDC_*_FIELD)
    field_names: Mapping[str, str] = field(default_factory=default_field_names)
    run: RunSettings = RunSettings()  # workers, commit size, retry budget, rate limit

    @property
    def credential_variable(self) -> str:
        """The variable to fix when the credentials are refused."""
        return "SFDC_ACCESS_TOKEN" if self.access_token else "SFDC_PASSWORD"


def config_from_env(environ: Mapping[str, str]) -> SalesforceConfig:
    """Read ``SFDC_*`` (and ``.env``); raise ``SourceConfigError`` naming what is missing.

    ``SFDC_INSTANCE_URL`` + ``SFDC_ACCESS_TOKEN`` (a session / OAuth access token), or
    ``SFDC_USERNAME`` + ``SFDC_PASSWORD`` (+ ``SFDC_SECURITY_TOKEN``) to log in;
    ``SFDC_CA_BUNDLE`` optionally names a CA file to trust; ``PSOPS_SFDC_SEGMENT_FIELD`` /
    ``PSOPS_SFDC_REGION_FIELD`` name the org's Account custom fields holding segment and
    region (default ``Segment__c`` / ``Region__c``).
    """
    run = read_run_settings(environ, SOURCE_NAME)

    def _env(name: str) -> str | None:
        return setting(environ, name)

    field_names = {
        column: field_name_setting(environ, SOURCE_NAME, variable, column)
        for column, variable in custom_field_settings().items()
    }
    instance_url = _env("SFDC_INSTANCE_URL")
    ca_bundle = _env("SFDC_CA_BUNDLE")
    if ca_bundle and not Path(ca_bundle).is_file():
        raise SourceConfigError(SOURCE_NAME, "SFDC_CA_BUNDLE", f"no CA file at {ca_bundle}")
    if instance_url:
        validated_url(SOURCE_NAME, URL_VARIABLE, instance_url, schemes=("https",))
    access_token = _env("SFDC_ACCESS_TOKEN")
    if access_token:
        require(environ, SOURCE_NAME, "SFDC_INSTANCE_URL")
        return SalesforceConfig(
            instance_url,
            access_token=access_token,
            ca_bundle=ca_bundle,
            field_names=field_names,
            run=run,
        )
    if not _env("SFDC_USERNAME"):
        problem = "SFDC_ACCESS_TOKEN is not set (nor SFDC_USERNAME / SFDC_PASSWORD to log in)"
        raise SourceConfigError(SOURCE_NAME, "SFDC_ACCESS_TOKEN", problem)
    login = require(environ, SOURCE_NAME, "SFDC_USERNAME", "SFDC_PASSWORD")
    return SalesforceConfig(
        instance_url,
        username=login["SFDC_USERNAME"],
        password=login["SFDC_PASSWORD"],
        security_token=_env("SFDC_SECURITY_TOKEN") or "",
        ca_bundle=ca_bundle,
        field_names=field_names,
        run=run,
    )


def login_domain(instance_url: str | None) -> str:
    """simple-salesforce's login ``domain``: ``login``, ``test`` or a My Domain prefix."""
    host = (urlsplit(instance_url).hostname or "") if instance_url else ""
    suffix = ".salesforce.com"
    if host.endswith(suffix) and host != suffix[1:]:
        return host[: -len(suffix)]
    return "login"


def connect(config: SalesforceConfig, session: requests.Session | None = None) -> Salesforce:
    """A ``Salesforce`` client on psops's retrying session, by token or by password login."""
    from simple_salesforce import Salesforce
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    session = session or make_session(verify=config.ca_bundle or True)
    if config.access_token:
        return Salesforce(
            instance_url=config.instance_url,
            session_id=config.access_token,
            session=session,
            version=config.api_version,
            object_pairs_hook=dict,
        )
    try:
        return Salesforce(
            username=config.username,
            password=config.password,
            security_token=config.security_token or "",
            domain=login_domain(config.instance_url),
            session=session,
            version=config.api_version,
            object_pairs_hook=dict,
        )
    except SalesforceAuthenticationFailed as exc:
        problem = f"credentials were refused (login failed: {exc.code})"
        raise SourceConfigError(SOURCE_NAME, "SFDC_PASSWORD", problem) from None


def _translated(config: SalesforceConfig, call: Callable[[], Any]) -> Any:
    """Run one API call; map a refusal to ``SourceConfigError``, an outage to unavailable."""
    from simple_salesforce.exceptions import SalesforceError

    try:
        return call()
    except requests.exceptions.SSLError as exc:
        problem = f"the server's TLS certificate is not trusted ({exc.__class__.__name__})"
        raise SourceConfigError(SOURCE_NAME, "SFDC_CA_BUNDLE", problem) from None
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailableError(f"{SOURCE_NAME}: {exc}") from exc
    except SalesforceError as exc:  # 401 expired session, 403 refused request, ...
        failing = f"{SOURCE_NAME}: HTTP {exc.status} from {exc.url}"
        error = status_error(SOURCE_NAME, exc.status, config.credential_variable, failing)
        if error is None:
            raise
        raise error from (None if isinstance(error, SourceConfigError) else exc)


@dataclass(frozen=True)
class FieldPlan:
    """What to SELECT from one object in this org, and what it lacks."""

    sobject: str
    selected: list[tuple[str, str]]  # (our raw column, the org's API name)
    missing: list[str]  # why each optional field the org lacks lands NULL

    @property
    def api_names(self) -> list[str]:
        return [api for _, api in self.selected]


def describe_fields(config: SalesforceConfig, sf: Salesforce, contract: SObject) -> list[str]:
    """The field names the org's ``describe()`` lists for ``contract``'s object (those that
    exist and the API user may read)."""
    from simple_salesforce.exceptions import SalesforceResourceNotFound

    try:
        described = _translated(config, lambda: getattr(sf, contract.name).describe())
    except SalesforceResourceNotFound:
        problem = (
            f"{contract.name} is not available to the API user (its describe() is 404): "
            f"grant the API user read access to {contract.name}"
        )
        raise SourceConfigError(SOURCE_NAME, config.credential_variable, problem) from None
    return [f["name"] for f in described.get("fields", [])]


def plan_fields(
    contract: SObject, table: RawTable, described: Iterable[str], config: SalesforceConfig
) -> FieldPlan:
    """Select each raw column the org has, under the org's name; a field psops needs that
    the org lacks is a ``SourceConfigError`` naming the object and field."""
    available = {name.lower(): name for name in described}
    selected: list[tuple[str, str]] = []
    missing: list[str] = []
    for column in table.column_names:
        spec = contract.field(column)
        if spec is None:
            raise ValueError(f"{table.qualified_name}.{column} is not in the contract")
        wanted = config.field_names.get(column, column) if spec.custom else column
        if wanted.lower() in available:
            selected.append((column, available[wanted.lower()]))
            continue
        where = f"{contract.name}.{wanted}"
        if spec.required:
            variable = spec.setting or config.credential_variable
            problem = (
                f"{where} is not in the org's describe() (the field does not exist, or the API "
                f"user may not read it): psops needs it; grant the API user read access to it"
            )
            raise SourceConfigError(SOURCE_NAME, variable, problem)
        if spec.custom:
            why = (
                f"{where} ({spec.setting}) is not in the org's describe(): {column} lands NULL; "
                f"set {spec.setting} to the org's API name of this field"
            )
        elif spec.multicurrency:
            why = f"{where} exists only in multi-currency orgs: {column} lands NULL"
        else:
            why = (
                f"{where} is not in the org's describe() (missing, or hidden from the API "
                f"user by field-level security): {column} lands NULL"
            )
        missing.append(why)
    return FieldPlan(contract.name, selected, missing)


def soql_datetime(value: str | datetime) -> str:
    """A cursor (ISO 8601, any offset; naive = UTC) as ``YYYY-MM-DDTHH:MM:SS.fffZ``."""
    value = to_timestamp(value)  # Salesforce writes +0000
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def build_soql(sobject: str, fields: list[str], since: str | None) -> str:
    """The query of one stream: ``fields``, changed at/after ``since``, ascending."""
    soql = f"SELECT {', '.join(fields)} FROM {sobject}"
    if since:
        soql += f" WHERE {CURSOR_FIELD} >= {soql_datetime(since)}"
    return soql + f" ORDER BY {CURSOR_FIELD}, Id"


def page_cursor(records: list[dict[str, Any]]) -> str | None:
    """The largest readable ``SystemModstamp`` of a page (None when there is none)."""
    stamps = []
    for record in records:
        try:
            stamps.append(soql_datetime(record[CURSOR_FIELD]))
        except (KeyError, TypeError, ValueError):
            continue  # the loader quarantines such a record
    return max(stamps, default=None)


class Clients:
    """Clients for one ``streams()`` call: each stream gets its own session (streams run on
    threads); a password login happens once and its session id is reused."""

    def __init__(self, config: SalesforceConfig, policy: HttpPolicy) -> None:
        self.config = config
        self.policy = policy
        self._login: Salesforce | None = None
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        return make_session(verify=self.config.ca_bundle or True, policy=self.policy)

    def get(self) -> Salesforce:
        if self.config.access_token:
            return connect(self.config, self._session())
        with self._lock:
            if self._login is None:
                self._login = connect(self.config, self._session())
            login = self._login
        from simple_salesforce import Salesforce

        return Salesforce(
            instance_url=f"https://{login.sf_instance}",
            session_id=login.session_id,
            session=self._session(),
            version=self.config.api_version,
            object_pairs_hook=dict,
        )


def fetcher(client: Clients, table: RawTable) -> Callable[[str | None], Iterator[Batch]]:
    contract = BY_TABLE[table.name]

    def fetch(since: str | None) -> Iterator[Batch]:
        config = client.config
        sf = client.get()
        plan = plan_fields(contract, table, describe_fields(config, sf, contract), config)
        for why in plan.missing:  # once per object and run
            log.warning("salesforce: %s", why)
        notes = tuple(plan.missing)  # and in the asset's metadata, with the first page
        soql = build_soql(contract.name, plan.api_names, since)
        deleted_too = contract.deletable  # queryAll only where records can be deleted
        log.info(
            "salesforce: %s since %s (%s)",
            contract.name,
            since or "the beginning",
            contract.query_resource,
        )
        page = _translated(config, lambda: sf.query(soql, include_deleted=deleted_too))
        while True:
            records = page["records"]
            if records or notes:
                yield Batch({table.name: records}, cursor=page_cursor(records), notes=notes)
                notes = ()
            if page["done"]:
                return
            next_url = page["nextRecordsUrl"]
            page = _translated(
                config,
                lambda url=next_url: sf.query_more(
                    url, identifier_is_url=True, include_deleted=deleted_too
                ),
            )

    return fetch


def org_named(table: RawTable, names: Mapping[str, str]) -> RawTable:
    """``table`` reading each renamed custom field from the org's API name (the records keep
    the org's names, as ``_raw_json`` shows them)."""
    renamed = {c: api for c, api in names.items() if c in table.column_names and c != api}
    if not renamed:
        return table
    columns = table.column_names

    def to_fields(record: dict[str, Any]) -> dict[str, Any]:
        out = {name: record.get(name) for name in columns}
        for column, api in renamed.items():
            if api in record:
                out[column] = record[api]
            else:  # the org's spelling may differ in case from the configured one
                lowered = api.lower()
                out[column] = next((v for k, v in record.items() if k.lower() == lowered), None)
        return out

    return replace(table, to_fields=to_fields)
