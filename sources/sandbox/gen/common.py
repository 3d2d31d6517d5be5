"""What every part of the sandbox generator shares: scales, id bases, day arithmetic,
Salesforce ids, business hours, the engagement record and the table writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from sources.sandbox.schema import SYSTEMS, sandbox_table_name


@dataclass(frozen=True)
class Scale:
    people: int  # Kantata delivery users, leavers included (+ a few account staff)
    months: int  # months of history before as_of
    accounts: int  # Salesforce customer accounts
    sales_reps: int  # Salesforce-only users


SCALES: dict[str, Scale] = {
    "small": Scale(people=60, months=18, accounts=40, sales_reps=6),
    "medium": Scale(people=500, months=24, accounts=300, sales_reps=30),
    "large": Scale(people=5000, months=36, accounts=2500, sales_reps=200),
}

EPOCH = date(1970, 1, 1)
NEVER = 10**6  # a day number after any date we generate
WARMUP_MONTHS = 10  # engagements sold before the history starts keep people busy on day one
FORECAST_DAYS = 91  # allocations and booked time off reach ~13 weeks ahead
PS_ENGAGEMENTS_PER_PERSON_MONTH = 0.09
TICKETS_PER_ENGAGEMENT_MONTH = 4.5
INTERNAL_TICKETS_PER_PERSON_MONTH = 0.25
WIN_RATE = 0.45
PS_ATTACH_RATE = 0.75
ORPHAN_USER_ID0 = 9_900_001

# Kantata-style numeric id bases per table
USER_ID0, MEMBERSHIP_ID0, WORKSPACE_ID0 = 4_100_001, 5_100_001, 6_100_001
ROLE_ID0, CUSTOM_FIELD_ID0, WORKWEEK_ID0, CALENDAR_ID0 = 201, 301, 401, 501
CUSTOM_FIELD_CHOICE_ID0 = 351

T_TODO, T_PROGRESS, T_WAITING, T_DONE, T_REOPENED = range(5)


# ---------------------------------------------------------------------------------------
# small helpers


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def weekday_of(days: np.ndarray | int) -> np.ndarray | int:
    """Monday = 0 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def ts_array(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype="int64").astype("datetime64[s]")


def date_array(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]")


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce id (15-character body + the case-safe checksum)."""
    value = (n * 2_654_435_761 + 97_531) % 62**9
    digits = ""
    for _ in range(9):
        value, rest = divmod(value, 62)
        digits = _B62[rest] + digits
    body = f"{prefix}8d0{digits}"
    return body + salesforce_id_suffix(body)


def salesforce_id_suffix(body: str) -> str:
    """The 3-character case-safe suffix of a 15-character Salesforce id."""
    suffix = ""
    for i in range(3):
        chunk = body[i * 5 : (i + 1) * 5]
        suffix += _SF_SUFFIX[sum(1 << j for j, c in enumerate(chunk) if "A" <= c <= "Z")]
    return suffix


def _open_business(t: datetime) -> datetime:
    """Move a local time into the next 09:00-17:00 Mon-Fri window."""
    while True:
        if t.weekday() >= 5:
            t = datetime.combine(t.date() + timedelta(days=1), datetime.min.time()).replace(hour=9)
        elif t.hour < 9:
            t = t.replace(hour=9, minute=0, second=0)
        elif t.hour >= 17:
            t = datetime.combine(t.date() + timedelta(days=1), datetime.min.time()).replace(hour=9)
        else:
            return t


def add_business_hours(t: datetime, hours: float) -> datetime:
    """Local time after ``hours`` of 09:00-17:00 Mon-Fri working time (holidays ignored)."""
    t = _open_business(t)
    remaining = hours
    while True:
        close = t.replace(hour=17, minute=0, second=0)
        left = (close - t).total_seconds() / 3600
        if remaining <= left:
            return t + timedelta(hours=remaining)
        remaining -= left
        t = _open_business(close)


# ---------------------------------------------------------------------------------------
# model objects


@dataclass
class Engagement:
    index: int
    opportunity: int
    account: int
    region: int
    team: int
    fixed_fee: bool
    close_day: int
    start_day: int
    due_day: int
    weeks: int
    slots: list[tuple[int, float, float]]  # (role index, share of week, share of duration)
    price_cents: int
    budgeted_hours: float
    product: str
    title: str = ""
    key: str = ""
    staff: list[int] = field(default_factory=list)


class TableWriter:
    """Appends DataFrames to the sandbox tables by column name."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def insert(self, system: str, table: str, frame: pd.DataFrame | dict) -> None:
        df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
        if df.empty:
            return
        names = [n for n, _ in SYSTEMS[system][table]]
        unknown = set(df.columns) - set(names)
        if unknown:
            raise ValueError(f"{system}.{table}: unknown columns {sorted(unknown)}")
        self.con.register("_chunk", df)
        try:
            self.con.execute(
                f"INSERT INTO {sandbox_table_name(system, table)} BY NAME SELECT * FROM _chunk"
            )
        finally:
            self.con.unregister("_chunk")


def normalized(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()
