"""Salesforce (REST API through ``simple-salesforce``, an access token or a password login)
into ``raw_salesforce.*``: User, Account, Product2, Opportunity, OpportunityLineItem through
SOQL, each incremental on ``SystemModstamp``.  Objects that can be deleted are read through
``queryAll`` (deleted rows arrive with ``IsDeleted = true``); users are deactivated, never
deleted.  The SOQL is adapted to the org: the fields its ``describe()`` lists, under the
org's names for the custom ones (``extract.py``); what each object may carry is in
``contract.py`` (Salesforce's Object Reference)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sources.common.http import check_policy, make_session, policy_from_env, reaching
from sources.common.loader import Stream
from sources.common.source import Source
from sources.salesforce.contract import BY_TABLE
from sources.salesforce.extract import (
    SOURCE_NAME,
    URL_VARIABLE,
    Clients,
    SalesforceConfig,
    config_from_env,
    connect,
    describe_fields,
    fetcher,
    login_domain,
    org_named,
    plan_fields,
)
from sources.salesforce.tables import TABLES

log = logging.getLogger(__name__)


def from_env(environ: Mapping[str, str]) -> SalesforceConfig:
    """``SFDC_INSTANCE_URL`` + ``SFDC_ACCESS_TOKEN``, or ``SFDC_USERNAME`` + ``SFDC_PASSWORD``
    (+ ``SFDC_SECURITY_TOKEN``) to log in (``.env`` too); SourceConfigError names a missing
    one."""
    return config_from_env(environ)


def check(config: SalesforceConfig) -> None:
    """Each object's ``describe()`` (cheap, and it needs only read access to the object:
    ``/limits`` would need "View Setup and Configuration"): ``SourceConfigError`` when the
    credentials are refused or the org lacks (or hides from the API user) a field psops
    needs; SourceUnavailableError naming SFDC_INSTANCE_URL within seconds when it cannot be
    reached."""
    policy = check_policy(SOURCE_NAME, config.run)
    session = make_session(verify=config.ca_bundle or True, policy=policy)
    url = config.instance_url or f"https://{login_domain(None)}.salesforce.com"
    with reaching(SOURCE_NAME, url, URL_VARIABLE):
        client = connect(config, session)
        for table in TABLES:
            contract = BY_TABLE[table.name]
            plan_fields(contract, table, describe_fields(config, client, contract), config)
    log.info("salesforce: session accepted by %s", client.sf_instance)


def streams(config: SalesforceConfig) -> list[Stream]:
    """One incremental stream per sObject, named like its raw table, each on its own session,
    all sharing the run's HTTP policy (retry budget, rate limit) and one password login."""
    clients = Clients(config, policy_from_env(SOURCE_NAME, config.run))
    out = []
    for table in TABLES:
        named = org_named(table, config.field_names)
        out.append(Stream(SOURCE_NAME, table.name, [named], fetcher(clients, named)))
    return out


SOURCE = Source(SOURCE_NAME, list(TABLES), from_env, check, streams)

__all__ = ["SOURCE", "SalesforceConfig", "check", "from_env", "streams"]
