"""Salesforce extraction on ``simple-salesforce``: SOQL through ``queryAll``, one page a batch.

Each sObject is one stream with its own cursor on ``SystemModstamp``::

    SELECT <raw table columns> FROM <Object>
    [WHERE SystemModstamp >= <cursor>] ORDER BY SystemModstamp, Id

sent to ``/queryAll`` (so deleted rows arrive with ``IsDeleted = true``) and followed
through ``nextRecordsUrl``.  Every page becomes one ``Batch`` whose cursor is the page's
largest ``SystemModstamp``; the ascending order makes committing it with the page safe.
The objects are fetched concurrently, each on its own session, all sharing the run's HTTP
policy (retry budget, ``PSOPS_SALESFORCE_RATE_LIMIT``); a password login happens once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from sources.common.config import load_env, require
from sources.common.errors import SourceConfigError, SourceUnavailableError
from sources.common.http import HttpPolicy, make_session, policy_from_env
from sources.common.loader import Batch, Stream
from sources.common.raw_tables import RawTable
from sources.salesforce.tables import SYSTEM, TABLES, sobject_name

log = logging.getLogger(__name__)

API_VERSION = "59.0"
CURSOR_FIELD = "SystemModstamp"
CHECK_RETRIES = 2  # a refused or unreachable server fails `check` fast, not after minutes


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

    @property
    def credential_variable(self) -> str:
        """The variable to fix when the credentials are refused."""
        return "SFDC_ACCESS_TOKEN" if self.access_token else "SFDC_PASSWORD"


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def from_env() -> SalesforceConfig:
    """Read ``SFDC_*`` (and ``.env``); raise ``SourceConfigError`` naming what is missing.

    ``SFDC_INSTANCE_URL`` + ``SFDC_ACCESS_TOKEN`` (a session / OAuth access token), or
    ``SFDC_USERNAME`` + ``SFDC_PASSWORD`` (+ ``SFDC_SECURITY_TOKEN``) to log in;
    ``SFDC_CA_BUNDLE`` optionally names a CA file to trust.
    """
    load_env()
    instance_url = _env("SFDC_INSTANCE_URL")
    ca_bundle = _env("SFDC_CA_BUNDLE")
    if ca_bundle and not Path(ca_bundle).is_file():
        raise SourceConfigError(SYSTEM, "SFDC_CA_BUNDLE", f"no CA file at {ca_bundle}")
    if instance_url and urlsplit(instance_url).scheme != "https":
        problem = f"SFDC_INSTANCE_URL must be an https:// URL, not {instance_url}"
        raise SourceConfigError(SYSTEM, "SFDC_INSTANCE_URL", problem)
    access_token = _env("SFDC_ACCESS_TOKEN")
    if access_token:
        require(SYSTEM, "SFDC_INSTANCE_URL")
        return SalesforceConfig(instance_url, access_token=access_token, ca_bundle=ca_bundle)
    if not _env("SFDC_USERNAME"):
        problem = "SFDC_ACCESS_TOKEN is not set (nor SFDC_USERNAME / SFDC_PASSWORD to log in)"
        raise SourceConfigError(SYSTEM, "SFDC_ACCESS_TOKEN", problem)
    login = require(SYSTEM, "SFDC_USERNAME", "SFDC_PASSWORD")
    return SalesforceConfig(
        instance_url,
        username=login["SFDC_USERNAME"],
        password=login["SFDC_PASSWORD"],
        security_token=_env("SFDC_SECURITY_TOKEN") or "",
        ca_bundle=ca_bundle,
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
        raise SourceConfigError(SYSTEM, "SFDC_PASSWORD", problem) from None


def _translated(config: SalesforceConfig, call: Callable[[], Any]) -> Any:
    """Run one API call; map a refusal to ``SourceConfigError``, an outage to unavailable."""
    try:
        return call()
    except (SalesforceExpiredSession, SalesforceRefusedRequest) as exc:
        problem = f"credentials were refused (HTTP {exc.status})"
        raise SourceConfigError(SYSTEM, config.credential_variable, problem) from None
    except requests.exceptions.SSLError as exc:
        problem = f"the server's TLS certificate is not trusted ({exc.__class__.__name__})"
        raise SourceConfigError(SYSTEM, "SFDC_CA_BUNDLE", problem) from None
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailableError(f"{SYSTEM}: {exc}") from exc
    except SalesforceError as exc:
        if exc.status >= 500:
            raise SourceUnavailableError(f"{SYSTEM}: HTTP {exc.status} from {exc.url}") from exc
        raise


def check(config: SalesforceConfig) -> None:
    """One cheap authenticated call (``/limits``); ``SourceConfigError`` when refused."""
    session = make_session(verify=config.ca_bundle or True, retries=CHECK_RETRIES)
    client = connect(config, session)
    _translated(config, client.limits)
    log.info("salesforce: session accepted by %s", client.sf_instance)


def soql_datetime(value: str | datetime) -> str:
    """A cursor (ISO 8601, any offset; naive = UTC) as ``YYYY-MM-DDTHH:MM:SS.fffZ``."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        if len(text) > 5 and text[-5] in "+-" and ":" not in text[-5:]:
            text = f"{text[:-2]}:{text[-2:]}"  # Salesforce's +0000
        value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def build_soql(table: RawTable, since: str | None) -> str:
    """The query of one stream: every raw column, changed at/after ``since``, ascending."""
    soql = f"SELECT {', '.join(table.column_names)} FROM {sobject_name(table)}"
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


class _Client:
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
        return Salesforce(
            instance_url=f"https://{login.sf_instance}",
            session_id=login.session_id,
            session=self._session(),
            version=self.config.api_version,
            object_pairs_hook=dict,
        )


def _fetcher(client: _Client, table: RawTable) -> Callable[[str | None], Iterator[Batch]]:
    def fetch(since: str | None) -> Iterator[Batch]:
        config = client.config
        sf = client.get()
        soql = build_soql(table, since)
        log.info("salesforce: %s since %s", sobject_name(table), since or "the beginning")
        page = _translated(config, lambda: sf.query(soql, include_deleted=True))
        while True:
            records = page["records"]
            if records:
                yield Batch({table.name: records}, cursor=page_cursor(records))
            if page["done"]:
                return
            next_url = page["nextRecordsUrl"]
            page = _translated(
                config, lambda url=next_url: sf.query_more(url, identifier_is_url=True)
            )

    return fetch


def streams(config: SalesforceConfig) -> list[Stream]:
    """One incremental stream per sObject, named like its raw table."""
    client = _Client(config, policy_from_env(SYSTEM))
    return [
        Stream(source=SYSTEM, name=table.name, tables=[table], fetch=_fetcher(client, table))
        for table in TABLES
    ]
