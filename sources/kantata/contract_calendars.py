"""Kantata endpoints, calendars: workweeks, holiday calendars and holidays, and who they apply to.

Each cites its OpenAPI file (see ``sources/kantata/contract.py``); none of these can be read
incrementally, so each run reads them whole.
"""

from __future__ import annotations

from sources.common.contract import Endpoint
from sources.kantata.contract_parts import (
    CREATED,
    STAMPS,
    UPDATED,
    WEEKDAY_MINUTES,
    boolean_field,
    date_field,
    integer_field,
    list_endpoint,
    string_field,
)

CALENDARS: tuple[Endpoint, ...] = (
    list_endpoint(
        "workweeks",
        "workweeks",
        CREATED | UPDATED | {"effective_date"},
        [
            date_field("start_date"),
            date_field("end_date"),
            boolean_field("default"),
            *WEEKDAY_MINUTES,
            *STAMPS,
        ],
        sorts={"created_at", "start_date"},
        default_order="start_date:asc",
        includes={"workweek_memberships"},
    ),
    list_endpoint(
        "workweek_memberships",
        "workweek-memberships",
        CREATED
        | UPDATED
        | {"effective_date", "participants_for_workspace_id", "participating_with", "user_ids"},
        [
            integer_field("user_id"),
            string_field("workweek_id"),
            date_field("start_date"),
            date_field("end_date"),
            *STAMPS,
        ],
        sorts={"start_date"},
        default_order="start_date:asc",
        includes={"user", "workweek"},
        gated={"workweek_id": "workweek"},
    ),
    list_endpoint(
        "holiday_calendars",
        "holiday-calendars",
        {"matching"},
        [string_field("name"), boolean_field("default")],
        sorts={"name"},  # and the bare value ``default``
        default_order="default",
    ),
    list_endpoint(
        "holiday_calendar_memberships",
        "holiday-calendar-memberships",
        CREATED | UPDATED | {"by_holiday_calendar_id", "by_user_id"},
        [
            integer_field("user_id"),
            string_field("holiday_calendar_id"),
            date_field("start_date"),
            date_field("end_date"),
            boolean_field("in_use"),
            *STAMPS,
        ],
        sorts={"start_date"},
        default_order="start_date:desc",
        includes={"holiday_calendar", "user"},
        gated={"holiday_calendar_id": "holiday_calendar"},
    ),
    list_endpoint(
        "holidays",
        "holidays",
        {"matching", "not_on_calendars", "optional_fields"},
        [
            string_field("name"),
            date_field("start_date"),
            date_field("end_date"),
            boolean_field("paid"),
            integer_field("total_hours"),
        ],
        sorts={"start_date"},
        default_order="start_date:asc",
        includes={"holiday_calendar_associations"},
        gated={"holiday_calendar_association_ids": "holiday_calendar_associations"},
    ),
    list_endpoint(
        "holiday_calendar_associations",
        "holiday-calendar-associations",
        {"by_holiday_calendar_id", "by_holiday_name"},
        [
            string_field("holiday_id"),
            string_field("holiday_calendar_id"),
            string_field("holiday_name"),
            string_field("holiday_calendar_name"),
        ],
        includes={"holiday", "holiday_calendar"},
        gated={"holiday_id": "holiday", "holiday_calendar_id": "holiday_calendar"},
        note="no order parameter, no updated_after",
    ),
)
