"""What a vendor documents about one endpoint or object, in a form both sides can check.

Each source keeps its own contract in ``sources/<system>/contract.py``, extracted from the
vendor's published reference (cited there, per endpoint or object): the path, the query
parameters the endpoint documents (and which are required), the fields ``order`` may sort
by, and the fields of a response record with their JSON types.  The connector asks only
what the contract allows; the sandbox serves only what it documents and refuses the rest
as the vendor does; the contract tests check both against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sources.common.raw_tables import to_timestamp

JSON_TYPES = frozenset(
    {"string", "integer", "number", "boolean", "date", "datetime", "object", "array", "any"}
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Field:
    """One field of a response record: its JSON type, whether it is always present
    (``required``) and whether it may be ``null``."""

    name: str
    type: str
    required: bool = False
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.type not in JSON_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")


def value_problem(spec: Field, value: Any) -> str | None:
    """Why ``value`` is not a valid ``spec`` (None when it is)."""
    if value is None:
        return None if spec.nullable else f"{spec.name} is null but the vendor never sends null"
    if _IS_VALID[spec.type](value):
        return None
    return f"{spec.name} should be {spec.type}, got {type(value).__name__} {value!r:.60}"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    try:
        to_timestamp(text)
    except ValueError:
        return False
    return True


# a value's check per JSON type (built once: the sandbox checks every record it serves)
_IS_VALID: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and bool(_DATE.match(v)) and _is_date(v),
    "datetime": lambda v: isinstance(v, str) and _is_datetime(v),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "any": lambda v: True,
}


def record_problems(fields: Iterable[Field], record: Mapping[str, Any]) -> list[str]:
    """Missing required fields and values of the wrong type (extra fields are allowed:
    vendors add fields without notice, and the raw JSON keeps them)."""
    problems: list[str] = []
    for spec in fields:
        if spec.name not in record:
            if spec.required:
                problems.append(f"{spec.name} is missing")
            continue
        problem = value_problem(spec, record[spec.name])
        if problem:
            problems.append(problem)
    return problems


@dataclass(frozen=True)
class Endpoint:
    """One documented list endpoint (``GET``) and the records it returns."""

    name: str  # our name for it, e.g. the Kantata object ``time_entries``
    path: str  # e.g. ``/api/v1/time_entries.json``
    cite: str  # where the vendor documents it
    params: frozenset[str] = frozenset()  # every query parameter the vendor documents
    required_params: frozenset[str] = frozenset()
    sorts: frozenset[str] = frozenset()  # the fields ``order`` may name
    fields: tuple[Field, ...] = ()
    method: str = "GET"
    extra: Mapping[str, Any] = field(default_factory=dict)  # source-specific facts

    def request_problems(self, query: Mapping[str, str]) -> list[str]:
        """What the vendor would not accept in this query (unknown or missing parameters)."""
        problems = [
            f"{self.path}: parameter {name!r} is not documented"
            for name in sorted(set(query) - self.params)
        ]
        problems += [
            f"{self.path}: required parameter {name!r} is missing"
            for name in sorted(self.required_params - set(query))
        ]
        return problems

    def record_problems(self, record: Mapping[str, Any]) -> list[str]:
        return [f"{self.name}: {p}" for p in record_problems(self.fields, record)]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]
