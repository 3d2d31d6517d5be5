"""Salesforce connector: User, Account, Product2, Opportunity, OpportunityLineItem into
``raw_salesforce.*`` through SOQL ``queryAll``, incremental on ``SystemModstamp``."""

from sources.common.source import Source
from sources.salesforce.extract import check, from_env, streams
from sources.salesforce.tables import SYSTEM, TABLES

SOURCE = Source(name=SYSTEM, tables=TABLES, from_env=from_env, check=check, streams=streams)

__all__ = ["SOURCE"]
