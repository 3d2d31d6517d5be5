"""The SOQL the sandbox Salesforce understands, parsed against the fields one org has
(``SalesforceOrgSchema``, which also answers ``describe``), and Salesforce's error shapes
for a query it refuses::

    SELECT <fields> FROM <Object> [WHERE SystemModstamp <op> <datetime>]
    [ORDER BY <field> [ASC|DESC], ...] [LIMIT n]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sources.salesforce.contract import SObjectField, sobject
from sources.sandbox.salesforce_org import SalesforceOrg
from sources.sandbox.schema import SALESFORCE_OBJECT_NAMES, SALESFORCE_TABLES, sandbox_table_name
from sources.sandbox.server_base import ApiError

# sObject API name -> (sandbox table, its columns -> duckdb type)
SOBJECT_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    api: (sandbox_table_name("salesforce", table), dict(SALESFORCE_TABLES[table]))
    for table, api in SALESFORCE_OBJECT_NAMES.items()
}

_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\S+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^(?P<field>\w+)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>\S+)$")
_ORDER_ITEM = re.compile(r"^(?P<field>\w+)(?:\s+(?P<dir>ASC|DESC))?$", re.IGNORECASE)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})$")

NO_SUCH_COLUMN_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the appropriate "
    "names."
)


def sf_error(status: int, error_code: str, message: str) -> ApiError:
    """Salesforce's REST error shape: a list of ``{"message", "errorCode"}``."""
    return ApiError(status, [{"message": message, "errorCode": error_code}])


def malformed(message: str) -> ApiError:
    return sf_error(400, "MALFORMED_QUERY", message)


def invalid_field(soql: str, name: str, sobject_name: str) -> ApiError:
    """Salesforce's ``INVALID_FIELD``: the query line, a caret under the field, its row and
    column, then ``No such column 'X' on entity 'Y'. …`` (as the REST API answers it, e.g.
    quoted in https://github.com/mautic/mautic/pull/13406)."""
    row, column, line = 1, 1, soql.strip().splitlines()[0] if soql.strip() else ""
    token = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)", re.IGNORECASE)
    for number, text in enumerate(soql.strip().splitlines(), start=1):
        found = token.search(text)
        if found:
            row, column, line = number, found.start() + 1, text
            break
    return sf_error(
        400,
        "INVALID_FIELD",
        f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n"
        f"No such column '{name}' on entity '{sobject_name}'. {NO_SUCH_COLUMN_HINT}",
    )


def parse_datetime_literal(text: str) -> datetime:
    """A SOQL dateTime literal (``2026-03-02T14:05:11.000+0000``, ``...Z``) as naive UTC."""
    if not _DATETIME.match(text):
        raise ValueError(text)
    value = text[:-1] + "+00:00" if text.endswith("Z") else text
    if value[-5] in "+-" and ":" not in value[-5:]:
        value = f"{value[:-2]}:{value[-2:]}"
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def format_datetime(value: datetime) -> str:
    """Salesforce's dateTime wire format: ``2026-03-02T14:05:11.000+0000`` (UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class OrgField:
    """One field of this org: its API name, the sandbox column holding it, its contract."""

    name: str
    column: str
    spec: SObjectField


@dataclass(frozen=True)
class Soql:
    """A parsed query the sandbox can answer."""

    sobject: str  # API name, e.g. 'Opportunity'
    table: str  # sandbox table
    fields: list[OrgField]  # in SELECT order
    condition: tuple[str, str, datetime] | None  # (column, operator, value)
    order: list[tuple[str, str]]  # (column, 'ASC'|'DESC'), always ending in Id
    limit: int | None


class SalesforceOrgSchema:
    """The fields one org has, per sObject (what its ``describe()`` lists)."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org
        self.objects = {api.lower(): api for api in SOBJECT_TABLES}
        self.fields: dict[str, dict[str, OrgField]] = {
            api: {
                name.lower(): OrgField(name, column, spec)
                for name, (column, spec) in org.fields(api).items()
            }
            for api in SOBJECT_TABLES
        }

    def field(self, sobject_name: str, name: str) -> OrgField | None:
        return self.fields[sobject_name].get(name.lower())

    def parse(self, soql: str) -> Soql:
        """Parse the SOQL subset the sandbox serves, or raise the API's 400 error."""
        match = _SOQL.match(soql)
        if not match:
            raise malformed(f"unexpected token in query: {soql.strip()[:80]!r}")
        obj = match["object"]
        if obj.lower() not in self.objects:
            raise sf_error(
                400,
                "INVALID_TYPE",
                f"sObject type '{obj}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
            )
        api = self.objects[obj.lower()]

        def known(name: str) -> OrgField:
            if not re.fullmatch(r"\w+", name):
                raise malformed(f"the sandbox does not support {name!r} (plain field names only)")
            found = self.field(api, name)
            if found is None:
                raise invalid_field(soql, name, api)
            return found

        fields = [known(f.strip()) for f in match["fields"].split(",")]
        condition = None
        if match["where"]:
            condition = self._condition(match["where"], known)
        order: list[tuple[str, str]] = []
        for item in match["order"].split(",") if match["order"] else []:
            parts = _ORDER_ITEM.match(item.strip())
            if not parts:
                raise malformed(f"unexpected token in ORDER BY: {item.strip()!r}")
            order.append((known(parts["field"]).column, (parts["dir"] or "ASC").upper()))
        if "Id" not in [column for column, _ in order]:
            order.append(("Id", "ASC"))
        limit = int(match["limit"]) if match["limit"] else None
        return Soql(api, SOBJECT_TABLES[api][0], fields, condition, order, limit)

    @staticmethod
    def _condition(where: str, known: Any) -> tuple[str, str, datetime]:
        match = _CONDITION.match(where.strip())
        if not match or match["field"].lower() != "systemmodstamp":
            raise malformed(
                f"the sandbox supports only WHERE SystemModstamp <op> <dateTime>, not {where!r}"
            )
        try:
            value = parse_datetime_literal(match["value"])
        except ValueError:
            raise malformed(
                f"value of filter criterion for field 'SystemModstamp' must be of type dateTime "
                f"and should not be enclosed in quotes: {match['value']}"
            ) from None
        return known(match["field"]).column, match["op"], value

    def describe(self, api: str, base: str) -> dict[str, Any]:
        """The describe resource of one sObject: the org's fields, typed as documented."""
        contract = sobject(api)
        deletable = bool(contract and contract.deletable)
        return {
            "name": api,
            "label": api,
            "custom": False,
            "queryable": True,
            "retrieveable": True,
            "replicateable": True,
            "searchable": True,
            "createable": True,
            "updateable": True,
            "deletable": deletable,
            "undeletable": deletable,
            "fields": [f.spec.describe(f.name) for f in self.fields[api].values()],
            "urls": {"sobject": f"{base}/{api}", "describe": f"{base}/{api}/describe"},
        }
