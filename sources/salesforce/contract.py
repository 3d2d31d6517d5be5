"""What Salesforce documents about the sObjects psops reads, as ``describe()`` reports them.

Authorities (cited per object below):

- the Object Reference for the Salesforce Platform (one page per sObject: its fields, their
  types and properties — ``Nillable`` — and its supported calls: an object without
  ``delete()`` has no ``IsDeleted`` field), e.g.
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
- the Salesforce Field Reference (field name, type, length per object), e.g.
  https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-opportunity.html
- ``describeSObjects()`` / the REST ``sobjects/<Object>/describe`` resource: each field's
  ``name``, ``type``, ``soapType``, ``nillable``, ``custom``; describe lists only the fields
  this org has *and* the API user may read (field-level security),
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects.htm
- ``queryAll()``: "Retrieves data from specified objects, including records that have been
  deleted or archived … has read-only access to the field isDeleted but is otherwise the
  same as query()",
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/object_ref/sforce_api_calls_queryall.htm

Facts psops relies on (each checked on those pages):

- ``User`` supports ``create(), describeLayout(), describeSObjects(), getDeleted(),
  getUpdated(), query(), retrieve(), search(), update(), upsert()`` — no ``delete()``: users
  are deactivated (``IsActive = false``), never deleted, and ``User`` has no ``IsDeleted``.
  ``SELECT … IsDeleted … FROM User`` is refused with ``INVALID_FIELD`` (HTTP 400).
- ``CurrencyIsoCode``: "Available only for organizations with the multicurrency feature
  enabled" (Object Reference, e.g. OpportunityLineItem / OpportunityContactRole pages);
  single-currency orgs (Salesforce's default) have no such field.
- Custom fields (``__c``) exist only where an admin created them, under the API name the
  admin chose: psops maps ``Segment__c`` / ``Region__c`` to the org's names by configuration
  (``PSOPS_SFDC_SEGMENT_FIELD``, ``PSOPS_SFDC_REGION_FIELD``).
- An unknown field in SOQL is HTTP 400 ``[{"message": "\\n<query>\\n   ^\\nERROR at
  Row:1:Column:N\\nNo such column 'X' on entity 'Y'. If you are attempting to use a custom
  field, be sure to append the '__c' after the custom field name. Please reference your
  WSDL or the describe call for the appropriate names.", "errorCode": "INVALID_FIELD"}]``
  (the REST shape as Salesforce returns it, quoted in
  https://github.com/mautic/mautic/pull/13406 and https://github.com/forcedotcom/soql-tooling/issues/86).
- ``queryAll`` is documented for deleted or archived records only; psops sends it only to
  objects with ``IsDeleted`` and reads ``User`` through ``query``.  (The documentation
  does not say that ``queryAll`` on ``User`` is refused: the sandbox answers it, and its
  contract check reports it as a departure from psops' rule.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sources.common.contract import Field, record_problems

OBJECT_REFERENCE = (
    "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/"
)
FIELD_REFERENCE = (
    "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/"
)

# describe() ``type`` -> ``soapType`` (describeSObjects(): Field.soapType; the SOAPType list:
# tns:ID, xsd:boolean, xsd:dateTime, xsd:date, xsd:double, xsd:int, xsd:string)
SOAP_TYPES: dict[str, str] = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "picklist": "xsd:string",
    "email": "xsd:string",
    "textarea": "xsd:string",
    "boolean": "xsd:boolean",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "double": "xsd:double",
    "percent": "xsd:double",
    "currency": "xsd:double",
    "int": "xsd:int",
}

# soapType -> the JSON type a REST query record carries (dateTime as
# ``2026-03-02T14:05:11.000+0000``, date as ``2026-03-02``)
JSON_TYPES: dict[str, str] = {
    "tns:ID": "string",
    "xsd:string": "string",
    "xsd:boolean": "boolean",
    "xsd:dateTime": "datetime",
    "xsd:date": "date",
    "xsd:double": "number",
    "xsd:int": "integer",
}

SEGMENT_FIELD_SETTING = "PSOPS_SFDC_SEGMENT_FIELD"
REGION_FIELD_SETTING = "PSOPS_SFDC_REGION_FIELD"


@dataclass(frozen=True)
class SObjectField:
    """One field of an sObject as ``describe()`` reports it.

    ``name`` is the standard API name (for a custom field: the name psops expects by default,
    which is also its raw column).  ``required``: psops cannot work without it, so an org
    whose describe() lacks it is a configuration error; every other field is optional and
    lands NULL (with a warning) where the org lacks it.
    """

    name: str
    type: str  # describe() type: id, reference, string, picklist, boolean, datetime, ...
    nillable: bool
    required: bool = False
    custom: bool = False  # org-defined: its API name comes from ``setting``
    multicurrency: bool = False  # exists only in multi-currency orgs
    setting: str | None = None  # the variable naming the org's API name (custom fields)
    label: str = ""

    def __post_init__(self) -> None:
        if self.type not in SOAP_TYPES:
            raise ValueError(f"{self.name}: unknown describe() type {self.type!r}")

    @property
    def soap_type(self) -> str:
        return SOAP_TYPES[self.type]

    @property
    def json_type(self) -> str:
        return JSON_TYPES[self.soap_type]

    @property
    def org_dependent(self) -> bool:
        return self.custom or self.multicurrency

    def as_field(self, name: str | None = None) -> Field:
        """The record field a SOQL query selecting it returns (always present, maybe null)."""
        return Field(name or self.name, self.json_type, required=True, nullable=self.nillable)

    def describe(self, name: str | None = None) -> dict[str, Any]:
        """This field as the REST describe resource lists it (the properties psops reads)."""
        return {
            "name": name or self.name,
            "label": self.label or name or self.name,
            "type": self.type,
            "soapType": self.soap_type,
            "nillable": self.nillable,
            "custom": self.custom,
            "filterable": True,
            "sortable": self.type != "textarea",
        }


@dataclass(frozen=True)
class SObject:
    """One sObject psops reads: the fields it uses and what the object supports."""

    name: str  # API name, e.g. 'OpportunityLineItem'
    table: str  # our raw table, e.g. 'opportunitylineitem'
    cite: str
    fields: tuple[SObjectField, ...]
    deletable: bool  # supports delete(): has IsDeleted, and queryAll shows the recycle bin

    def __post_init__(self) -> None:
        if self.deletable != ("IsDeleted" in self.field_names):
            raise ValueError(f"{self.name}: IsDeleted must be listed exactly when deletable")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def has_is_deleted(self) -> bool:
        return self.deletable

    @property
    def query_resource(self) -> str:
        """``queryAll`` where deleted records exist to be seen, else ``query``."""
        return "queryAll" if self.deletable else "query"

    def field(self, name: str) -> SObjectField | None:
        lowered = name.lower()
        return next((f for f in self.fields if f.name.lower() == lowered), None)

    def record_problems(self, record: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
        """Type problems of one query record; ``names`` maps the org's API name of each
        selected field (as the record keys it) to our contract name."""
        specs = []
        for api_name in record:
            if api_name == "attributes":
                continue
            contract_name = names.get(api_name.lower())
            spec = self.field(contract_name) if contract_name else None
            if spec is None:
                continue  # extra fields are allowed (the request check reports them)
            specs.append(spec.as_field(api_name))
        return [f"{self.name}: {p}" for p in record_problems(specs, record)]


def _f(name: str, type_: str, nillable: bool, **kw: Any) -> SObjectField:
    return SObjectField(name, type_, nillable, **kw)


_ID = _f("Id", "id", False, required=True)
_CREATED = _f("CreatedDate", "datetime", False)
_MODSTAMP = _f("SystemModstamp", "datetime", False, required=True)  # the cursor
_IS_DELETED = _f("IsDeleted", "boolean", False, required=True)  # "Defaulted on create, Filter"

USER = SObject(
    name="User",
    table="user",
    cite=OBJECT_REFERENCE
    + "sforce_api_objects_user.htm (supported calls: no delete()); "
    + FIELD_REFERENCE
    + "salesforce-field-reference-user.html",
    fields=(
        _ID,
        _f("Name", "string", False),  # FirstName + LastName, read-only
        _f("Email", "email", False, required=True),  # required on create: the identity key
        _f("IsActive", "boolean", False, required=True),  # deactivation is a user's "delete"
        _CREATED,
        _MODSTAMP,
    ),
    deletable=False,
)

ACCOUNT = SObject(
    name="Account",
    table="account",
    cite=OBJECT_REFERENCE
    + "sforce_api_objects_account.htm; "
    + FIELD_REFERENCE
    + "salesforce-field-reference-account.html",
    fields=(
        _ID,
        _f("Name", "string", False, required=True),
        _f("Industry", "picklist", True),
        # custom fields: the org's API names come from configuration (DOMAIN.md §6)
        _f("Segment__c", "picklist", True, custom=True, setting=SEGMENT_FIELD_SETTING),
        _f("Region__c", "picklist", True, custom=True, setting=REGION_FIELD_SETTING),
        _f("OwnerId", "reference", False),
        _CREATED,
        _MODSTAMP,
        _IS_DELETED,
    ),
    deletable=True,
)

PRODUCT2 = SObject(
    name="Product2",
    table="product2",
    cite=OBJECT_REFERENCE
    + "sforce_api_objects_product2.htm; "
    + FIELD_REFERENCE
    + "salesforce-field-reference-product2.html",
    fields=(
        _ID,
        _f("Name", "string", False, required=True),
        _f("Family", "picklist", True, required=True),  # PS lines: 'Professional Services'
        _f("IsActive", "boolean", False),
        _CREATED,
        _MODSTAMP,
        _IS_DELETED,
    ),
    deletable=True,
)

OPPORTUNITY = SObject(
    name="Opportunity",
    table="opportunity",
    cite=OBJECT_REFERENCE
    + "sforce_api_objects_opportunity.htm; "
    + FIELD_REFERENCE
    + "salesforce-field-reference-opportunity.html",
    fields=(
        _ID,
        _f("Name", "string", False),
        _f("AccountId", "reference", True, required=True),
        _f("OwnerId", "reference", False),
        _f("StageName", "picklist", False, required=True),
        _f("Probability", "percent", True),  # 0-100; missing: the stage's from the seed
        _f("Amount", "currency", True, required=True),
        _f("CloseDate", "date", False, required=True),
        _f("ForecastCategoryName", "picklist", True),
        _f("IsClosed", "boolean", False, required=True),
        _f("IsWon", "boolean", False, required=True),
        _f("Type", "picklist", True),
        # "Available only for organizations with the multicurrency feature enabled"
        _f("CurrencyIsoCode", "picklist", False, multicurrency=True),
        _CREATED,
        _MODSTAMP,
        _IS_DELETED,
    ),
    deletable=True,
)

OPPORTUNITY_LINE_ITEM = SObject(
    name="OpportunityLineItem",
    table="opportunitylineitem",
    cite=OBJECT_REFERENCE
    + "sforce_api_objects_opportunitylineitem.htm; "
    + FIELD_REFERENCE
    + "salesforce-field-reference-opportunitylineitem.html",
    fields=(
        _ID,
        _f("OpportunityId", "reference", False, required=True),
        _f("Product2Id", "reference", True, required=True),
        _f("Quantity", "double", False),
        _f("UnitPrice", "currency", True),
        _f("TotalPrice", "currency", True, required=True),
        _CREATED,
        _MODSTAMP,
        _IS_DELETED,
    ),
    deletable=True,
)

SOBJECTS: dict[str, SObject] = {
    o.name: o for o in (USER, ACCOUNT, PRODUCT2, OPPORTUNITY, OPPORTUNITY_LINE_ITEM)
}
BY_TABLE: dict[str, SObject] = {o.table: o for o in SOBJECTS.values()}


def sobject(name: str) -> SObject | None:
    """The contract of an sObject by API name (any case), or None when psops does not read it."""
    lowered = name.lower()
    return next((o for o in SOBJECTS.values() if o.name.lower() == lowered), None)


def custom_field_settings() -> dict[str, str]:
    """Each custom field psops reads -> the variable that names it in the org."""
    return {
        f.name: f.setting for o in SOBJECTS.values() for f in o.fields if f.custom and f.setting
    }
