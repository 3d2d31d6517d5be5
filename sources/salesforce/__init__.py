"""Salesforce connector: User, Account, Product2, Opportunity, OpportunityLineItem into
``raw_salesforce.*`` through SOQL, incremental on ``SystemModstamp``.

Three parts, as in every source: ``contract`` (what Salesforce's Object Reference and
``describe()`` document, cited), ``tables`` (the raw columns), ``extract`` (the fields the
org's ``describe()`` lists, ``queryAll`` only where ``IsDeleted`` exists)."""

from sources.common.source import Source
from sources.salesforce.extract import check, from_env, streams
from sources.salesforce.tables import SYSTEM, TABLES

SOURCE = Source(name=SYSTEM, tables=TABLES, from_env=from_env, check=check, streams=streams)

__all__ = ["SOURCE"]
