"""The suites, one per raw table (keyed by the table's qualified name)."""

from __future__ import annotations

from datetime import date, timedelta

from checks import config
from checks.specs import WARN, Suite, between, known_in, not_null, unique


def _latest_sane_date(as_of: date) -> date:
    return as_of + timedelta(days=config.FUTURE_TOLERANCE_DAYS)


KANTATA_TIME_ENTRIES = Suite(
    table="raw_kantata.time_entries",
    key="id",
    expectations=(
        unique("id", rule="id must be unique"),
        not_null("id", rule="id must be set"),
        between(
            "time_in_minutes",
            0,
            config.MAX_MINUTES_PER_ENTRY,
            rule=f"time_in_minutes must be 0–{config.MAX_MINUTES_PER_ENTRY} (0–24 h)",
        ),
        between(
            "date_performed",
            config.EARLIEST_SANE_DATE,
            _latest_sane_date,
            rule=(
                f"date_performed must be between {config.EARLIEST_SANE_DATE.isoformat()} "
                f"and as_of + {config.FUTURE_TOLERANCE_DAYS} day"
            ),
        ),
        not_null("user_id", rule="user_id must be set"),
        known_in("user_id", "raw_kantata.users.id", rule="user_id must be a known Kantata user"),
        known_in(
            "workspace_id",
            "raw_kantata.workspaces.id",
            severity=WARN,
            rule="workspace_id should be a known Kantata workspace",
        ),
    ),
)

SUITES: dict[str, Suite] = {suite.table: suite for suite in (KANTATA_TIME_ENTRIES,)}
