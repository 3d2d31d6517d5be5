"""What a raw table is: its typed columns (from the sandbox/API contract), its key, and
how one API record becomes one row.  Every raw table also carries

- ``_raw_json``  the record exactly as the API sent it,
- ``_loaded_at`` when this load wrote the row (UTC),
- ``_deleted`` / ``_deleted_at``  set when the source says the record was deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Columns = list[tuple[str, str]]
"""(column, duckdb type) per raw table; the first column is the primary key."""

Validator = Callable[[dict[str, Any]], str | None]
"""Takes a typed row; returns a reason when the row must be quarantined."""

META_COLUMNS: list[tuple[str, str]] = [
    ("_raw_json", "JSON"),
    ("_loaded_at", "TIMESTAMP"),
    ("_deleted", "BOOLEAN"),
    ("_deleted_at", "TIMESTAMP"),
]


@dataclass(frozen=True)
class RawTable:
    system: str
    name: str
    columns: list[tuple[str, str]]
    to_fields: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    validators: tuple[Validator, ...] = field(default=())
    deleted_flag: str | None = None  # a typed column that marks a deleted record

    @property
    def schema(self) -> str:
        return f"raw_{self.system}"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def primary_key(self) -> str:
        return self.columns[0][0]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def create_sql(self) -> str:
        cols = [f'"{n}" {t}' for n, t in self.columns + META_COLUMNS]
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualified_name} "
            f'({", ".join(cols)}, PRIMARY KEY ("{self.primary_key}"))'
        )

    def fields_of(self, record: dict[str, Any]) -> dict[str, Any]:
        if self.to_fields is not None:
            return self.to_fields(record)
        return {name: record.get(name) for name in self.column_names}


class BadValue(ValueError):
    pass


def to_timestamp(value: Any) -> datetime:
    """An API timestamp (``Z``, ``+00:00`` or Salesforce/Jira ``+0000``) as naive UTC;
    ValueError when it is not one."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        # Salesforce and Jira send +0000 (no colon)
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and ":" not in text[-5:]:
            text = f"{text[:-2]}:{text[-2:]}"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def timestamp_or_none(value: Any) -> datetime | None:
    """``to_timestamp`` of a string, or None when ``value`` is not a string or not a
    timestamp (a page's cursor skips such a record; the loader quarantines it)."""
    if not isinstance(value, str):
        return None
    try:
        return to_timestamp(value)
    except ValueError:
        return None


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise BadValue(f"not a boolean: {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise BadValue(f"not an integer: {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise BadValue(f"not an integer: {value!r}")
        return int(value)
    return int(str(value).strip())


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise BadValue(f"not a number: {value!r}")
    return float(value)


_CASTS: dict[str, Callable[[Any], Any]] = {
    "VARCHAR": lambda v: v if isinstance(v, str) else str(v),
    "TIMESTAMP": to_timestamp,
    "DATE": _to_date,
    "BOOLEAN": _to_bool,
    "INTEGER": _to_int,
    "BIGINT": _to_int,
    "DOUBLE": _to_float,
}


def typed_row(table: RawTable, record: dict[str, Any]) -> dict[str, Any]:
    """Cast one API record to the table's typed columns, or raise ``BadValue`` saying why."""
    try:
        raw = table.fields_of(record)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadValue(f"record has an unexpected shape: {exc!r}") from exc
    row: dict[str, Any] = {}
    for name, ctype in table.columns:
        value = raw.get(name)
        if value is None or value == "":
            row[name] = None
            continue
        try:
            row[name] = _CASTS[ctype](value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadValue(f"{name}: cannot read {value!r} as {ctype}") from exc
    if row[table.primary_key] is None:
        raise BadValue(f"{table.primary_key} (the primary key) is missing")
    for validate in table.validators:
        reason = validate(row)
        if reason:
            raise BadValue(reason)
    return row


def non_negative(column: str) -> Validator:
    def check(row: dict[str, Any]) -> str | None:
        value = row.get(column)
        if value is not None and value < 0:
            return f"{column} is negative ({value})"
        return None

    return check


def required(*columns: str) -> Validator:
    def check(row: dict[str, Any]) -> str | None:
        missing = [c for c in columns if row.get(c) is None]
        return f"required column(s) missing: {', '.join(missing)}" if missing else None

    return check
