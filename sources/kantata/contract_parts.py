"""The parts every Kantata endpoint of ``sources/kantata/contract.py`` is written from: the
spec each cites, the query parameters most list GETs share, and the builders of one list
endpoint and of its fields (``Field`` with the JSON type the spec gives)."""

from __future__ import annotations

from collections.abc import Collection

from sources.common.contract import Endpoint, Field

SPEC = "https://github.com/api-evangelist/mavenlink/blob/main/openapi/mavenlink-{}-api-openapi.yml"
API_PREFIX = "/api/v1"

# parameters shared by (almost) every list GET, named here once
PAGING = frozenset({"page", "per_page", "only"})
CREATED = frozenset({"created_after", "created_before"})
UPDATED = frozenset({"updated_after", "updated_before"})
EXTERNAL_REFERENCES = frozenset(
    {
        "external_reference_external_message",
        "external_reference_external_status",
        "external_reference_service_model",
        "external_reference_service_model_ref",
        "external_reference_service_model_refs",
        "external_reference_service_name",
        "external_reference_status",
        "has_external_references",
        "without_external_reference_service_name",
    }
)
CUSTOM_VALUE_FILTERS = frozenset(
    {
        "by_custom_choice_value",
        "by_custom_currency_value",
        "by_custom_date_value",
        "by_custom_number_value",
        "by_custom_text_value",
        "has_value_for_custom_field_ids",
    }
)


def names(text: str) -> frozenset[str]:
    """Parameter, sort or include names, written as one space-separated string."""
    return frozenset(text.split())


def id_field() -> Field:
    return Field("id", "string", required=True, nullable=False)


def list_endpoint(
    name: str,
    spec: str,
    params: Collection[str],
    fields: list[Field],
    sorts: Collection[str] = (),
    default_order: str | None = None,
    includes: Collection[str] = (),
    gated: dict[str, str] | None = None,
    required: Collection[str] = (),
    note: str = "",
) -> Endpoint:
    """One list endpoint; ``order``/``include`` are documented exactly when sorts/includes
    are given.  ``gated``: field -> the include that makes Kantata send it."""
    documented = set(PAGING) | set(params)
    if sorts:
        documented.add("order")
    if includes:
        documented.add("include")
    return Endpoint(
        name=name,
        path=f"{API_PREFIX}/{name}.json",
        cite=SPEC.format(spec) + (f" ({note})" if note else ""),
        params=frozenset(documented),
        required_params=frozenset(required),
        sorts=frozenset(sorts),
        fields=(id_field(), *fields),
        extra={
            "default_order": default_order,
            "includes": frozenset(includes),
            "gated": dict(gated or {}),
        },
    )


# a field of the JSON type the spec gives it (``id`` comes first in every endpoint: ``id_field``)
def string_field(name: str) -> Field:
    return Field(name, "string")


def datetime_field(name: str) -> Field:
    return Field(name, "datetime")


def date_field(name: str) -> Field:
    return Field(name, "date")


def integer_field(name: str) -> Field:
    return Field(name, "integer")


def boolean_field(name: str) -> Field:
    return Field(name, "boolean")


STAMPS = [datetime_field("created_at"), datetime_field("updated_at")]  # on most objects
WEEKDAY_MINUTES = [
    integer_field(f"{day}_minutes")
    for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
]
