"""Bad-record injection: a few records of the sandbox are served corrupted on the wire, the
way real APIs occasionally send them, so connectors can be tested on quarantine.

The dataset itself stays clean: ``generate(..., bad_records=True)`` only lists the records
in the ``_bad_records`` table (``system, table, id, kind``) and in
``manifest.json["bad_records"]``; each server renders those rows corrupted.

Kinds that must be quarantined (``QUARANTINE_KINDS``): ``missing_id``, ``bad_date``,
``wrong_type`` (text in a number), ``negative`` (hours or minutes below zero),
``missing_required``.  Kinds that must load: ``extra_field`` (an unknown field the
connector keeps in ``_raw_json``) and ``missing_optional`` (a normally present optional
field absent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

BAD_RECORDS_TABLE = "_bad_records"
QUARANTINE_KINDS = ("missing_id", "bad_date", "wrong_type", "negative", "missing_required")
LOADABLE_KINDS = ("extra_field", "missing_optional")

DROP = object()  # the field is removed from the wire record

# (system, table) -> kind -> (field path in the wire record, new value or DROP)
CORRUPTIONS: dict[tuple[str, str], dict[str, tuple[str, Any]]] = {
    ("kantata", "time_entries"): {
        "missing_id": ("id", DROP),
        "bad_date": ("date_performed", "2026-13-45"),
        "wrong_type": ("time_in_minutes", "ninety"),
        "negative": ("time_in_minutes", -90),
        "missing_required": ("user_id", DROP),
        "extra_field": ("approval_state", "approved"),
        "missing_optional": ("notes", DROP),
    },
    ("kantata", "time_off_entries"): {
        "negative": ("hours", -8.0),
        "bad_date": ("requested_date", "next tuesday"),
    },
    ("jira", "issues"): {
        "missing_id": ("id", DROP),
        "bad_date": ("fields.created", "yesterday at noon"),
        "extra_field": ("fields.customfield_10099", "Tier 2"),
        "missing_optional": ("fields.priority", DROP),
    },
    ("salesforce", "opportunity"): {
        "wrong_type": ("Amount", "lots"),
        "missing_required": ("StageName", DROP),
        "bad_date": ("CloseDate", "31/12/2026"),
        "extra_field": ("Legacy_Deal_Code__c", "LD-0042"),
        "missing_optional": ("Probability", DROP),
    },
}

_ID_COLUMN = {"kantata": "id", "jira": "id", "salesforce": "Id"}


def create_table_sql() -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {BAD_RECORDS_TABLE} "
        '(system VARCHAR, "table" VARCHAR, id VARCHAR, kind VARCHAR)'
    )


def plant(con: duckdb.DuckDBPyConnection, seed: int) -> list[dict[str, str]]:
    """Choose the corrupted records (distinct ids per table, by seed) and list them in
    ``_bad_records``; returns them as manifest entries."""
    planted: list[dict[str, str]] = []
    for (system, table), kinds in CORRUPTIONS.items():
        key = _ID_COLUMN[system]
        ids = con.execute(
            f'SELECT "{key}" FROM {system}_{table} ORDER BY md5("{key}" || ?) LIMIT ?',
            [str(seed), len(kinds)],
        ).fetchall()
        for (record_id,), kind in zip(ids, kinds, strict=True):
            planted.append({"system": system, "table": table, "id": record_id, "kind": kind})
    con.execute(create_table_sql())
    con.executemany(
        f"INSERT INTO {BAD_RECORDS_TABLE} VALUES (?, ?, ?, ?)",
        [[r["system"], r["table"], r["id"], r["kind"]] for r in planted],
    )
    return planted


class BadRecords:
    """The server side: which records of one system to corrupt, and how."""

    def __init__(self, system: str, query: Callable[[str], list[dict[str, Any]]]) -> None:
        self.system = system
        self._kinds: dict[tuple[str, str], str] = {}
        exists = query(
            "SELECT count(*) AS n FROM information_schema.tables "
            f"WHERE table_name = '{BAD_RECORDS_TABLE}'"
        )[0]["n"]
        if exists:
            for row in query(
                f"SELECT \"table\", id, kind FROM {BAD_RECORDS_TABLE} WHERE system = '{system}'"
            ):
                self._kinds[(row["table"], row["id"])] = row["kind"]

    def is_corrupted(self, table: str, record_id: Any) -> bool:
        """Whether this record is served corrupted on purpose (contract checks skip it)."""
        return (table, str(record_id)) in self._kinds

    def apply(self, table: str, record_id: Any, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` as the wire carries it, corrupted in place if it is a bad record."""
        kind = self._kinds.get((table, str(record_id))) if self._kinds else None
        if kind is None:
            return record
        path, value = CORRUPTIONS[(self.system, table)][kind]
        *parents, name = path.split(".")
        target = record
        for parent in parents:
            target = target.get(parent)
            if not isinstance(target, dict):
                return record  # the part was not asked for (e.g. Jira fields)
        if value is DROP:
            target.pop(name, None)
        elif name in target or kind == "extra_field":
            target[name] = value
        return record
