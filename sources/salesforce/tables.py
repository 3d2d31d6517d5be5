"""The raw Salesforce tables: ``raw_salesforce.<object lower-cased>``, one per sObject.

Columns are exactly ``COLUMNS`` below: the sObject API field names of the contract
(``contract.py``).  The connector SELECTs those the org's ``describe()`` lists, under the
org's names for the custom fields (``Segment__c`` / ``Region__c`` land here whatever the
org calls them); a field the org lacks lands NULL.  Deleted records of deletable objects
arrive from ``queryAll`` with ``IsDeleted = true`` and are kept, marked ``_deleted``;
``User`` has no ``IsDeleted`` (users are deactivated, never deleted).
"""

from __future__ import annotations

from typing import Any

from sources.common.raw_tables import Columns, RawTable, Validator, required

SYSTEM = "salesforce"

# The raw tables' columns; names are the vendor's field names (see contract.py); the
# sandbox imports these lists.

COLUMNS: dict[str, Columns] = {
    "user": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Email", "VARCHAR"),
        ("IsActive", "BOOLEAN"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        # no IsDeleted: users are deactivated (IsActive = false), never deleted
    ],
    "account": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Industry", "VARCHAR"),
        ("Segment__c", "VARCHAR"),
        ("Region__c", "VARCHAR"),
        ("OwnerId", "VARCHAR"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "product2": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Family", "VARCHAR"),
        ("IsActive", "BOOLEAN"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "opportunity": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("AccountId", "VARCHAR"),
        ("OwnerId", "VARCHAR"),
        ("StageName", "VARCHAR"),
        ("Probability", "DOUBLE"),
        ("Amount", "DOUBLE"),
        ("CloseDate", "DATE"),
        ("ForecastCategoryName", "VARCHAR"),
        ("IsClosed", "BOOLEAN"),
        ("IsWon", "BOOLEAN"),
        ("Type", "VARCHAR"),
        ("CurrencyIsoCode", "VARCHAR"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "opportunitylineitem": [
        ("Id", "VARCHAR"),
        ("OpportunityId", "VARCHAR"),
        ("Product2Id", "VARCHAR"),
        ("Quantity", "DOUBLE"),
        ("UnitPrice", "DOUBLE"),
        ("TotalPrice", "DOUBLE"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
}

SOBJECT_NAMES: dict[str, str] = {
    "user": "User",
    "account": "Account",
    "product2": "Product2",
    "opportunity": "Opportunity",
    "opportunitylineitem": "OpportunityLineItem",
}


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
        columns=list(COLUMNS[name]),
        validators=_VALIDATORS[name],
        deleted_flag="IsDeleted" if "IsDeleted" in dict(COLUMNS[name]) else None,
    )


USER = _table("user")
ACCOUNT = _table("account")
PRODUCT2 = _table("product2")
OPPORTUNITY = _table("opportunity")
OPPORTUNITY_LINE_ITEM = _table("opportunitylineitem")

TABLES: list[RawTable] = [USER, ACCOUNT, PRODUCT2, OPPORTUNITY, OPPORTUNITY_LINE_ITEM]


def sobject_name(table: RawTable) -> str:
    """The sObject a raw table holds, e.g. ``OpportunityLineItem``."""
    return SOBJECT_NAMES[table.name]
