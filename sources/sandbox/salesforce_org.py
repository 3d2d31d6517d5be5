"""Which Salesforce org the sandbox plays: orgs differ in the fields ``describe()`` lists.

- ``multi_currency``: multi-currency orgs have ``CurrencyIsoCode`` on Opportunity;
  single-currency orgs (Salesforce's default) have no such field.
- ``segment_field`` / ``region_field``: the API name of the Account custom field holding
  the customer segment / region (``Segment__c`` / ``Region__c`` as psops expects them by
  default, another name such as ``PS_Segment__c``, or None: the org has no such field).

The generator stores the choice in the dataset (table ``_salesforce_org``), so ``psops
sandbox serve`` and the test servers serve the same org; a dataset without the table is
the default org.  The sandbox tables keep psops' raw columns whatever the org: the server
maps the org's API names onto them and hides what the org lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from sources.salesforce.contract import SOBJECTS, SObjectField

ORG_TABLE = "_salesforce_org"


@dataclass(frozen=True)
class SalesforceOrg:
    multi_currency: bool = False
    segment_field: str | None = "Segment__c"
    region_field: str | None = "Region__c"

    def custom_field_name(self, contract_name: str) -> str | None:
        """The org's API name for one of psops' custom fields (None: the org lacks it)."""
        return {"Segment__c": self.segment_field, "Region__c": self.region_field}.get(
            contract_name, contract_name
        )

    def fields(self, sobject: str) -> dict[str, tuple[str, SObjectField]]:
        """The fields this org's ``describe()`` lists for ``sobject``: API name ->
        (the sandbox column holding it, its contract)."""
        out: dict[str, tuple[str, SObjectField]] = {}
        for spec in SOBJECTS[sobject].fields:
            if spec.multicurrency and not self.multi_currency:
                continue
            api_name = self.custom_field_name(spec.name) if spec.custom else spec.name
            if api_name:
                out[api_name] = (spec.name, spec)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "multi_currency": self.multi_currency,
            "segment_field": self.segment_field,
            "region_field": self.region_field,
        }

    def as_rows(self) -> list[tuple[str, str | None]]:
        return [
            ("multi_currency", "true" if self.multi_currency else "false"),
            ("segment_field", self.segment_field),
            ("region_field", self.region_field),
        ]


def write_org(con: duckdb.DuckDBPyConnection, org: SalesforceOrg) -> None:
    """Store ``org`` in the dataset being built."""
    con.execute(f"CREATE OR REPLACE TABLE {ORG_TABLE} (setting VARCHAR, value VARCHAR)")
    con.executemany(f"INSERT INTO {ORG_TABLE} VALUES (?, ?)", org.as_rows())


def read_org(rows: list[dict[str, Any]]) -> SalesforceOrg:
    """The org stored as ``rows`` ({"setting", "value"}); no rows: the default org."""
    if not rows:
        return SalesforceOrg()
    settings = {row["setting"]: row["value"] for row in rows}
    return SalesforceOrg(
        multi_currency=settings.get("multi_currency") == "true",
        segment_field=settings.get("segment_field"),
        region_field=settings.get("region_field"),
    )
