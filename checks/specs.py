"""Suites as data: a ``Suite`` is a raw table plus a list of ``ExpectationSpec``s, each a
Great Expectations expectation (by its GX name) on one column, a human rule and a severity.

Adding a suite for another raw table is declarative, e.g.::

    Suite(
        table="raw_kantata.users",
        key="id",
        expectations=(
            unique("id"),
            not_null("email_address", severity=WARN, rule="every user must have an e-mail"),
        ),
    )

Values that depend on the run (``as_of``, the ids known in another raw table) are
callables of ``SpecInputs``, resolved when the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from checks import config
from checks.outcomes import ERROR, WARN

__all__ = [
    "ERROR",
    "WARN",
    "ExpectationSpec",
    "QuarantineLimits",
    "SpecInputs",
    "Suite",
    "between",
    "freshness",
    "in_set",
    "known_in",
    "known_in_any",
    "not_null",
    "unique",
]


@dataclass(frozen=True)
class SpecInputs:
    """What a spec may depend on at run time."""

    as_of: date
    # (raw table, column, optional (filter column, value)) -> distinct live values
    known_values: Callable[..., list[Any]]


Kwargs = dict[str, Any] | Callable[[SpecInputs], dict[str, Any]]


@dataclass(frozen=True)
class ExpectationSpec:
    expectation: str  # the GX expectation, snake case: "expect_column_values_to_be_unique"
    column: str
    rule: str  # what must hold, for people: "user_id must be a known Kantata user"
    severity: str = ERROR  # "error" blocks downstream assets; "warn" only reports
    kwargs: Kwargs = field(default_factory=dict)  # further GX arguments (or a callable)
    reference: str | None = None  # "raw_kantata.users.id" when checked against another table
    only_where: tuple[str, Any] | None = None  # (column, value): only these rows are judged
    label: str | None = None  # tells apart two specs of one kind on one column

    @property
    def name(self) -> str:
        label = f": {self.label}" if self.label else ""
        return f"{self.expectation}({self.column}{label})"

    @property
    def gx_class_name(self) -> str:
        """``expect_column_values_to_be_unique`` → ``ExpectColumnValuesToBeUnique``."""
        return "".join(part.capitalize() for part in self.expectation.split("_"))

    @property
    def row_condition(self) -> str | None:
        """``only_where`` as a GX (pandas) row condition: ``name == "Region"``."""
        if self.only_where is None:
            return None
        column, value = self.only_where
        return f"{column} == {value!r}"

    def resolve_kwargs(self, inputs: SpecInputs) -> dict[str, Any]:
        return self.kwargs(inputs) if callable(self.kwargs) else dict(self.kwargs)


@dataclass(frozen=True)
class QuarantineLimits:
    """Share of an object's records in ``raw._quarantine`` that makes a warning / an error."""

    # the active gate config's (``checks.config``), looked up when a suite is built
    warn_above: float = field(default_factory=lambda: config.QUARANTINE_WARN_ABOVE)
    error_above: float = field(default_factory=lambda: config.QUARANTINE_ERROR_ABOVE)


@dataclass(frozen=True)
class Suite:
    table: str  # qualified raw table: "raw_kantata.time_entries"
    key: str  # the primary key column, shown beside every failing value
    expectations: tuple[ExpectationSpec, ...]
    quarantine: QuarantineLimits | None = field(default_factory=QuarantineLimits)
    volume: bool = True  # judge live rows against the last published load

    @property
    def name(self) -> str:
        return self.table

    @property
    def system(self) -> str:
        """``raw_kantata.time_entries`` → ``kantata`` (``raw._quarantine.source``)."""
        return self.table.split(".", 1)[0].removeprefix("raw_")

    @property
    def object(self) -> str:
        """``raw_kantata.time_entries`` → ``time_entries`` (``raw._quarantine.object``)."""
        return self.table.split(".", 1)[1]

    @property
    def columns(self) -> list[str]:
        """The columns the suite reads: the key first, then each spec's column once."""
        seen = [self.key]
        for spec in self.expectations:
            for column in (spec.column, spec.only_where[0] if spec.only_where else None):
                if column is not None and column not in seen:
                    seen.append(column)
        return seen


# --- spec builders: one per kind of rule -------------------------------------------------


def not_null(column: str, severity: str = ERROR, rule: str | None = None) -> ExpectationSpec:
    return ExpectationSpec(
        "expect_column_values_to_not_be_null", column, rule or f"{column} must be set", severity
    )


def unique(column: str, severity: str = ERROR, rule: str | None = None) -> ExpectationSpec:
    return ExpectationSpec(
        "expect_column_values_to_be_unique", column, rule or f"{column} must be unique", severity
    )


Bound = Any | Callable[[date], Any]  # a value, or a function of as_of


def between(
    column: str,
    min_value: Bound = None,
    max_value: Bound = None,
    severity: str = ERROR,
    rule: str | None = None,
) -> ExpectationSpec:
    """Values within [min_value, max_value] (inclusive; NULLs are not judged here)."""

    def kwargs(inputs: SpecInputs) -> dict[str, Any]:
        lo = min_value(inputs.as_of) if callable(min_value) else min_value
        hi = max_value(inputs.as_of) if callable(max_value) else max_value
        return {"min_value": lo, "max_value": hi}

    text = rule or f"{column} must be between {_bound_text(min_value)} and {_bound_text(max_value)}"
    return ExpectationSpec("expect_column_values_to_be_between", column, text, severity, kwargs)


def _bound_text(bound: Bound) -> str:
    if bound is None:
        return "-"
    if callable(bound):
        return "a date relative to as_of"
    return str(bound)


def in_set(
    column: str,
    values: list[Any] | tuple[Any, ...],
    severity: str = ERROR,
    rule: str | None = None,
    where: tuple[str, Any] | None = None,
    label: str | None = None,
) -> ExpectationSpec:
    """Allowed values (statuses, priorities, stages, ...); NULLs are not judged here.
    ``where`` (a column and a value) limits the rows judged."""
    text = rule or f"{column} must be one of {', '.join(str(v) for v in values)}"
    return ExpectationSpec(
        "expect_column_values_to_be_in_set",
        column,
        text,
        severity,
        {"value_set": list(values)},
        only_where=where,
        label=label,
    )


def known_in(
    column: str,
    reference: str,
    severity: str = ERROR,
    rule: str | None = None,
    where: tuple[str, Any] | None = None,
    label: str | None = None,
    also_allowed: tuple[Any, ...] = (),
    reference_where: tuple[str, Any] | None = None,
) -> ExpectationSpec:
    """Referential integrity: every non-NULL value appears in ``reference``
    (``"raw_kantata.users.id"``; deleted reference rows do not count).  ``where``
    (``(column, value)``, e.g. ``("custom_field_name", "Jira Project Key")``) limits the rows
    judged; ``also_allowed`` are values accepted without a reference row; ``reference_where``
    limits the reference rows."""
    return known_in_any(
        column,
        (reference,),
        severity,
        rule,
        label,
        where=where,
        also_allowed=also_allowed,
        reference_where=reference_where,
    )


def known_in_any(
    column: str,
    references: tuple[str, ...],
    severity: str = ERROR,
    rule: str | None = None,
    label: str | None = None,
    ignore: tuple[Any, ...] = (),
    where: tuple[str, Any] | None = None,
    also_allowed: tuple[Any, ...] = (),
    reference_where: tuple[str, Any] | None = None,
) -> ExpectationSpec:
    """Allowed values taken from data: every non-NULL value appears in at least one of
    ``references`` — raw columns (``"raw_jira.priorities.name"``, live rows) or dbt seed
    columns (``"seed.sla_policies.priority"``, read from the seed CSV the next dbt build
    loads).  ``ignore`` drops reference values that are not values (the seed's ``*``)."""

    def kwargs(inputs: SpecInputs) -> dict[str, Any]:
        known: list[Any] = []
        for reference in references:
            table, ref_column = reference.rsplit(".", 1)
            values = inputs.known_values(table, ref_column, reference_where)
            known += [v for v in values if v not in known]
        return {"value_set": [v for v in known if v not in ignore] + list(also_allowed)}

    text = rule or f"{column} must be a known {' or '.join(references)}"
    return ExpectationSpec(
        "expect_column_values_to_be_in_set",
        column,
        text,
        severity,
        kwargs,
        reference=references[0],
        only_where=where,
        label=label,
    )


def freshness(
    column: str,
    max_age_days: int | None = None,
    severity: str | None = None,
) -> ExpectationSpec:
    """The newest ``column`` value is at most ``max_age_days`` before as_of (and not past
    as_of + the time-zone tolerance); defaults: the gate config's ``[freshness]``."""
    max_age_days = config.FRESHNESS_MAX_AGE_DAYS if max_age_days is None else max_age_days
    severity = config.FRESHNESS_SEVERITY if severity is None else severity

    def kwargs(inputs: SpecInputs) -> dict[str, Any]:
        return {
            "min_value": inputs.as_of - timedelta(days=max_age_days),
            "max_value": inputs.as_of + timedelta(days=config.FUTURE_TOLERANCE_DAYS + 1),
        }

    text = f"the newest {column} must be within {max_age_days} days before as_of"
    return ExpectationSpec("expect_column_max_to_be_between", column, text, severity, kwargs)
