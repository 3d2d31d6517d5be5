"""The raw Kantata tables: ``raw_kantata.<object>`` for every Kantata object of the
contract (``COLUMNS`` below), with the checks a record must pass to land."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sources.common.raw_tables import Columns, RawTable, Validator, non_negative, required

SYSTEM = "kantata"

# The raw tables' columns; names are the vendor's field names (see contract.py); the
# sandbox imports these lists.

COLUMNS: dict[str, Columns] = {
    "users": [
        ("id", "VARCHAR"),
        ("full_name", "VARCHAR"),
        ("email_address", "VARCHAR"),
        ("headline", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "roles": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # billability_target is a percentage 0-100, as Kantata stores it.
    "account_memberships": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("default_role_id", "VARCHAR"),
        ("billability_target", "DOUBLE"),
        ("bill_rate_in_cents", "BIGINT"),
        ("cost_rate_in_cents", "BIGINT"),
        ("manager_id", "VARCHAR"),
        ("disabled_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "custom_fields": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("subject_type", "VARCHAR"),
        ("value_type", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # read once per subject_type ('User': Region, Team, Hire Date; 'Workspace': Salesforce
    # Opportunity ID, Jira Project Key, Engagement Type, ...).  ``value`` is the value as
    # text; for a choice field it is the selected choice id(s) (comma-separated), named
    # through custom_field_choices in staging.
    "custom_field_values": [
        ("id", "VARCHAR"),
        ("subject_type", "VARCHAR"),
        ("subject_id", "VARCHAR"),
        ("custom_field_id", "VARCHAR"),
        # CustomFieldValue.custom_field_name (openapi/mavenlink-custom-field-values-api-
        # openapi.yml): lets the gate judge one field's values without a join
        ("custom_field_name", "VARCHAR"),
        ("value", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    # the choices of single/multi choice custom fields: id -> label
    "custom_field_choices": [
        ("id", "VARCHAR"),
        ("custom_field_id", "VARCHAR"),
        ("label", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workweeks": [
        ("id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("sunday_minutes", "INTEGER"),
        ("monday_minutes", "INTEGER"),
        ("tuesday_minutes", "INTEGER"),
        ("wednesday_minutes", "INTEGER"),
        ("thursday_minutes", "INTEGER"),
        ("friday_minutes", "INTEGER"),
        ("saturday_minutes", "INTEGER"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workweek_memberships": [
        ("id", "VARCHAR"),
        ("workweek_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("updated_at", "TIMESTAMP"),
    ],
    "holiday_calendars": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    "holiday_calendar_memberships": [
        ("id", "VARCHAR"),
        ("holiday_calendar_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("updated_at", "TIMESTAMP"),
    ],
    # a holiday spans start_date..end_date (one or several days) and belongs to calendars
    # through holiday_calendar_associations
    "holidays": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("paid", "BOOLEAN"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "holiday_calendar_associations": [
        ("id", "VARCHAR"),
        ("holiday_id", "VARCHAR"),
        ("holiday_calendar_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    # Kantata's ``status`` is an object {color, key, message}: landed flattened as
    # status_key / status_message / status_color (the original stays in _raw_json)
    "workspaces": [
        ("id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("status_key", "VARCHAR"),
        ("status_message", "VARCHAR"),
        ("status_color", "VARCHAR"),
        ("start_date", "DATE"),
        ("due_date", "DATE"),
        ("price_in_cents", "BIGINT"),
        ("currency", "VARCHAR"),
        ("budgeted", "BOOLEAN"),
        ("budgeted_hours", "DOUBLE"),
        ("stories_are_fixed_fee_by_default", "BOOLEAN"),
        ("archived", "BOOLEAN"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "time_entries": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("date_performed", "DATE"),
        ("time_in_minutes", "INTEGER"),
        ("billable", "BOOLEAN"),
        ("rate_in_cents", "BIGINT"),
        ("notes", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    # one submission per user x week x workspace (start_date Monday .. end_date Sunday);
    # status: 'pending', 'approved', 'rejected'.  An entry takes the status of the
    # submission of its own user, week and workspace.
    "timesheet_submissions": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("status", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    "time_off_entries": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("requested_date", "DATE"),
        ("hours", "DOUBLE"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workspace_resources": [
        ("id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("role_id", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # minutes = total minutes allocated across start_date..end_date (weekdays)
    "workspace_allocations": [
        ("id", "VARCHAR"),
        ("resource_id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("minutes", "INTEGER"),
        ("hard", "BOOLEAN"),
        ("updated_at", "TIMESTAMP"),
    ],
}


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


_WEEKDAY_MINUTES = [name for name, _ in COLUMNS["workweeks"] if name.endswith("_minutes")]

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
    "holidays": (required("start_date"), ends_on_or_after_start()),
    "holiday_calendar_associations": (required("holiday_id", "holiday_calendar_id"),),
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
        required("user_id", "workspace_id", "start_date", "end_date", "status"),
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


def _pick(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    columns = [c for c, _ in COLUMNS[name]]

    def fields(record: dict[str, Any]) -> dict[str, Any]:
        return {c: record.get(c) for c in columns}

    return fields


def workspace_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Kantata's ``status`` object ``{color, key, message}`` flattened to status_key /
    status_message / status_color; ``estimated_minutes`` (an ``optional_fields`` field) as
    budgeted_hours (contract.py)."""
    row = _pick("workspaces")(record)
    status = record.get("status")
    if isinstance(status, dict):
        row["status_key"] = status.get("key")
        row["status_message"] = status.get("message")
        row["status_color"] = status.get("color")
    elif status is not None:  # not the documented object: keep it visible, as text
        row["status_message"] = str(status)
    minutes = record.get("estimated_minutes")
    if isinstance(minutes, int | float) and not isinstance(minutes, bool):
        row["budgeted_hours"] = minutes / 60
    return row


def custom_field_value_fields(record: dict[str, Any]) -> dict[str, Any]:
    """``value`` as text: a choice field's ``[choice ids]`` as comma-separated ids, a
    currency's ``[cents, code]`` likewise, a number as its digits."""
    row = _pick("custom_field_values")(record)
    value = record.get("value")
    if isinstance(value, list):
        row["value"] = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        row["value"] = str(value).lower()
    elif isinstance(value, int | float):
        row["value"] = str(value)
    return row


def allocation_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Kantata names an allocation's resource ``workspace_resource_id``."""
    row = _pick("workspace_allocations")(record)
    row["resource_id"] = record.get("workspace_resource_id", record.get("resource_id"))
    return row


TO_FIELDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "workspaces": workspace_fields,
    "custom_field_values": custom_field_value_fields,
    "workspace_allocations": allocation_fields,
}

TABLES: dict[str, RawTable] = {
    name: RawTable(
        SYSTEM,
        name,
        list(columns),
        to_fields=TO_FIELDS.get(name),
        validators=VALIDATORS.get(name, ()),
    )
    for name, columns in COLUMNS.items()
}
