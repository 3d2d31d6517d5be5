"""The raw Salesforce tables: ``raw_salesforce.<object lower-cased>``, one per sObject.

Columns are exactly the sandbox contract (schema.py ``SALESFORCE_TABLES``): the sObject
API field names, which is also what the connector SELECTs.  Deleted records arrive from
``queryAll`` with ``IsDeleted = true`` and are kept, marked ``_deleted``.
"""

from __future__ import annotations

from typing import Any

from sources.common.raw_tables import RawTable, Validator, required
from sources.sandbox.schema import SALESFORCE_OBJECT_NAMES, SALESFORCE_TABLES

SYSTEM = "salesforce"


def percentage(column: str) -> Validator:
    """Salesforce percent fields (``Probability``) hold 0-100."""

    def check(row: dict[str, Any]) -> str | None:
        value = row.get(column)
        if value is not None and not 0 <= value <= 100:
            return f"{column} is not a percentage between 0 and 100 ({value})"
        return None

    return check


_VALIDATORS: dict[str, tuple[Validator, ...]] = {
    "user": (required("SystemModstamp"),),
    "account": (required("Name", "SystemModstamp"),),
    "product2": (required("Name", "SystemModstamp"),),
    "opportunity": (
        required("StageName", "CloseDate", "SystemModstamp"),
        percentage("Probability"),
    ),
    "opportunitylineitem": (required("OpportunityId", "SystemModstamp"),),
}


def _table(name: str) -> RawTable:
    return RawTable(
        system=SYSTEM,
        name=name,
        columns=list(SALESFORCE_TABLES[name]),
        validators=_VALIDATORS[name],
        deleted_flag="IsDeleted",
    )


USER = _table("user")
ACCOUNT = _table("account")
PRODUCT2 = _table("product2")
OPPORTUNITY = _table("opportunity")
OPPORTUNITY_LINE_ITEM = _table("opportunitylineitem")

TABLES: list[RawTable] = [USER, ACCOUNT, PRODUCT2, OPPORTUNITY, OPPORTUNITY_LINE_ITEM]


def sobject_name(table: RawTable) -> str:
    """The sObject a raw table holds, e.g. ``OpportunityLineItem``."""
    return SALESFORCE_OBJECT_NAMES[table.name]
