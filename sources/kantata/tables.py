"""The raw Kantata tables: ``raw_kantata.<object>`` for every Kantata object of the
contract (sources/sandbox/schema.py), with the checks a record must pass to land."""

from __future__ import annotations

from typing import Any

from sources.common.raw_tables import RawTable, Validator, non_negative, required
from sources.sandbox.schema import KANTATA_TABLES

SYSTEM = "kantata"


def between(column: str, low: float, high: float) -> Validator:
    """The column, when present, lies in ``[low, high]``."""

    def check(row: dict[str, Any]) -> str | None:
        value = row.get(column)
        if value is not None and not low <= value <= high:
            return f"{column} is outside {low:g}..{high:g} ({value})"
        return None

    return check


def ends_on_or_after_start(start: str = "start_date", end: str = "end_date") -> Validator:
    def check(row: dict[str, Any]) -> str | None:
        first, last = row.get(start), row.get(end)
        if first is not None and last is not None and last < first:
            return f"{end} ({last}) is before {start} ({first})"
        return None

    return check


_WEEKDAY_MINUTES = [name for name, _ in KANTATA_TABLES["workweeks"] if name.endswith("_minutes")]

VALIDATORS: dict[str, tuple[Validator, ...]] = {
    "account_memberships": (
        required("user_id"),
        between("billability_target", 0, 100),
        non_negative("bill_rate_in_cents"),
        non_negative("cost_rate_in_cents"),
    ),
    "custom_field_values": (required("subject_type", "subject_id", "custom_field_id"),),
    "workweeks": tuple(between(c, 0, 24 * 60) for c in _WEEKDAY_MINUTES),
    "workweek_memberships": (
        required("workweek_id", "user_id", "start_date"),
        ends_on_or_after_start(),
    ),
    "holiday_calendar_memberships": (
        required("holiday_calendar_id", "user_id", "start_date"),
        ends_on_or_after_start(),
    ),
    "holidays": (
        required("holiday_calendar_id", "start_date"),
        non_negative("hours"),
        ends_on_or_after_start(),
    ),
    "workspaces": (
        non_negative("price_in_cents"),
        non_negative("budgeted_hours"),
        ends_on_or_after_start("start_date", "due_date"),
    ),
    "time_entries": (
        required("user_id", "workspace_id", "date_performed", "time_in_minutes"),
        non_negative("time_in_minutes"),
        non_negative("rate_in_cents"),
    ),
    "timesheet_submissions": (
        required("user_id", "start_date", "end_date", "status"),
        ends_on_or_after_start(),
    ),
    "time_off_entries": (required("user_id", "requested_date", "hours"), non_negative("hours")),
    "workspace_resources": (required("workspace_id"),),
    "workspace_allocations": (
        required("workspace_id", "start_date", "end_date", "minutes"),
        non_negative("minutes"),
        ends_on_or_after_start(),
    ),
}

TABLES: dict[str, RawTable] = {
    name: RawTable(SYSTEM, name, list(columns), validators=VALIDATORS.get(name, ()))
    for name, columns in KANTATA_TABLES.items()
}
