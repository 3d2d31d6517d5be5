"""Deterministic generator of a synthetic Professional Services organisation of a payments
company, consistent across Kantata, Salesforce and Jira, written into
``<out_dir>/sandbox.duckdb`` (tables of ``sources/sandbox/schema.py``).

The order of work: reference data, people, accounts and opportunities (each closed-won
opportunity with PS lines becomes a Kantata workspace and a Jira service project),
staffing (a greedy scheduler puts people on engagements by role, region and load), then
month by month the time entries, time off, timesheets and allocations, and the Jira
tickets with their changelogs.  Large volumes stream into DuckDB month by month.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from sources.sandbox import org
from sources.sandbox.schema import SYSTEMS, create_sandbox_tables_sql, sandbox_table_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scale:
    people: int  # Kantata users, leavers included
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


class _Writer:
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


# ---------------------------------------------------------------------------------------
# the generator


class _Generator:
    def __init__(
        self, con: duckdb.DuckDBPyConnection, scale: Scale, seed: int, as_of: date
    ) -> None:
        self.w = _Writer(con)
        self.scale = scale
        self.seed = seed
        self.as_of = as_of
        self.as_of_n = day_number(as_of)
        self.as_of_s = self.as_of_n * 86400  # as_of 00:00 UTC in epoch seconds
        self.start = add_months(as_of, -scale.months)
        self.start_n = day_number(self.start)
        self.horizon_n = self.as_of_n + FORECAST_DAYS
        self.warmup = add_months(self.start, -WARMUP_MONTHS)
        self.emails: set[str] = set()
        self.counters: dict[str, int] = {}
        self.region_codes = [r.code for r in org.REGIONS]

    # -- utilities ------------------------------------------------------------------
    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def ids(self, table: str, n: int, base: int = 1) -> np.ndarray:
        first = self.counters.get(table, base)
        self.counters[table] = first + n
        return np.arange(first, first + n, dtype="int64")

    def clip_ts(self, seconds: np.ndarray, low: np.ndarray | int | None = None) -> np.ndarray:
        out = np.minimum(np.asarray(seconds, dtype="int64"), self.as_of_s)
        if low is not None:
            out = np.maximum(out, low)
        return out

    def unique_email(self, first: str, last: str, domain: str) -> str:
        base = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email, n = f"{base}@{domain}", 2
        while email in self.emails:
            email, n = f"{base}{n}@{domain}", n + 1
        self.emails.add(email)
        return email

    def run(self) -> None:
        self.reference_data()
        self.people()
        self.salesforce_users()
        self.accounts()
        self.opportunities()
        self.workspaces()
        self.staffing()
        self.time_off_plan()
        self.kantata_activity()
        self.jira_users()
        self.jira_issues()

    # -- reference data -------------------------------------------------------------
    def reference_data(self) -> None:
        ref_s = day_number(self.start) * 86400 - 3 * 365 * 86400
        ref_ts = ts_array(np.full(1, ref_s))[0]
        self.w.insert(
            "kantata",
            "roles",
            {
                "id": [str(ROLE_ID0 + i) for i in range(len(org.ROLES))],
                "name": [r.name for r in org.ROLES],
                "updated_at": ref_ts,
            },
        )
        fields = [
            ("Region", "User", "choice"),
            ("Team", "User", "choice"),
            ("Hire Date", "User", "date"),
            ("Salesforce Opportunity ID", "Workspace", "string"),
            ("Jira Project Key", "Workspace", "string"),
            ("Engagement Type", "Workspace", "choice"),
        ]
        self.custom_field_ids = {
            name: str(CUSTOM_FIELD_ID0 + i) for i, (name, _, _) in enumerate(fields)
        }
        self.w.insert(
            "kantata",
            "custom_fields",
            {
                "id": [self.custom_field_ids[n] for n, _, _ in fields],
                "name": [n for n, _, _ in fields],
                "subject_type": [s for _, s, _ in fields],
                "value_type": [v for _, _, v in fields],
                "updated_at": ref_ts,
            },
        )
        days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
        ww = {"id": [], "title": [], **{f"{d}_minutes": [] for d in days}}
        for i, (title, minutes, _) in enumerate(org.WORKWEEKS):
            ww["id"].append(str(WORKWEEK_ID0 + i))
            ww["title"].append(title)
            for d, m in zip(days, minutes, strict=True):
                ww[f"{d}_minutes"].append(m)
        self.w.insert("kantata", "workweeks", {**ww, "updated_at": ref_ts})
        # minutes per weekday, Monday first
        self.ww_minutes = np.array([m[1:] + m[:1] for _, m, _ in org.WORKWEEKS], dtype="int64")

        self.w.insert(
            "kantata",
            "holiday_calendars",
            {
                "id": [str(CALENDAR_ID0 + i) for i in range(len(org.REGIONS))],
                "name": [r.calendar for r in org.REGIONS],
                "updated_at": ref_ts,
            },
        )
        first_year, last_year = self.warmup.year, from_day_number(self.horizon_n).year + 1
        self.holiday_days: list[set[int]] = []
        rows: dict[str, list] = {"holiday_calendar_id": [], "name": [], "start_date": []}
        for i, region in enumerate(org.REGIONS):
            holidays = org.region_holidays(region.code, first_year, last_year)
            self.holiday_days.append({day_number(d) for d, _ in holidays})
            for d, name in holidays:
                rows["holiday_calendar_id"].append(str(CALENDAR_ID0 + i))
                rows["name"].append(name)
                rows["start_date"].append(d)
        n = len(rows["name"])
        rows["id"] = [str(i) for i in self.ids("holidays", n, 601)]
        rows["end_date"] = rows["start_date"]
        rows["hours"] = np.full(n, 8.0)
        rows["updated_at"] = ref_ts
        self.w.insert("kantata", "holidays", rows)

        self.w.insert(
            "jira",
            "statuses",
            {
                "id": [s[0] for s in org.JIRA_STATUSES],
                "name": [s[1] for s in org.JIRA_STATUSES],
                "category_key": [s[2] for s in org.JIRA_STATUSES],
            },
        )
        self.product_ids = [salesforce_id("01t", i) for i in range(len(org.PRODUCTS))]
        created = ts_array(np.full(len(org.PRODUCTS), ref_s))
        self.w.insert(
            "salesforce",
            "product2",
            {
                "Id": self.product_ids,
                "Name": [p[0] for p in org.PRODUCTS],
                "Family": [p[1] for p in org.PRODUCTS],
                "IsActive": True,
                "CreatedDate": created,
                "SystemModstamp": created,
                "IsDeleted": False,
            },
        )

    # -- people ---------------------------------------------------------------------
    def people(self) -> None:
        rng = self.rng("people")
        n = self.scale.people
        role = rng.choice(len(org.ROLES), size=n, p=_norm([r.share_of_staff for r in org.ROLES]))
        role[0] = org.ROLE_INDEX["Practice Lead"]  # the head of PS
        team = rng.choice(len(org.TEAMS), size=n, p=_norm(org.TEAM_WEIGHTS))
        region = rng.choice(len(org.REGIONS), size=n, p=_norm([r.share for r in org.REGIONS]))
        ww1 = rng.choice(len(org.WORKWEEKS), size=n, p=_norm([w[2] for w in org.WORKWEEKS]))
        leaders = np.isin(
            role, [org.ROLE_INDEX["Practice Lead"], org.ROLE_INDEX["Engagement Manager"]]
        )
        ww1[leaders] = 0
        window = self.as_of_n - self.start_n
        in_window = rng.random(n) < 0.18
        in_window[0] = False
        hire = np.where(
            in_window,
            self.start_n + rng.integers(0, max(window - 30, 1), size=n),
            self.start_n - rng.integers(60, 2900, size=n),
        )
        leave = np.full(n, NEVER, dtype="int64")
        leaving = (rng.random(n) < 0.08) & (np.arange(n) > 0)
        earliest = np.maximum(hire + 120, self.start_n + 14)
        latest = self.as_of_n - 10
        can = leaving & (earliest < latest)
        leave[can] = earliest[can] + (rng.random(can.sum()) * (latest - earliest[can])).astype(int)
        # a few people move to (or from) a part-time week during the history
        ww2 = ww1.copy()
        switch = np.full(n, NEVER, dtype="int64")
        movers = (rng.random(n) < 0.03) & ~leaders
        ww2[movers] = np.where(ww1[movers] == 0, 1, 0)
        switch[movers] = np.maximum(hire[movers], self.start_n) + rng.integers(
            30, 300, movers.sum()
        )
        movers &= switch < self.as_of_n - 7
        ww2[~movers], switch[~movers] = ww1[~movers], NEVER
        region_factor = np.array([org.REGIONS[r].rate_factor for r in region])
        role_rate = np.array([org.ROLES[r].bill_rate_cents for r in role])
        bill_rate = np.round(role_rate * region_factor * rng.uniform(0.92, 1.08, n) / 500) * 500
        bill_rate = bill_rate.astype("int64")
        cost_rate = (np.round(bill_rate * rng.uniform(0.38, 0.5, n) / 100) * 100).astype("int64")
        role_target = np.array([org.ROLES[r].billability_target for r in role], dtype=float)
        target = np.clip(role_target + rng.choice([-5, 0, 0, 5], size=n), 0, 100)
        target[rng.random(n) < 0.1] = np.nan

        firsts = rng.choice(org.FIRST_NAMES, size=n)
        lasts = rng.choice(org.LAST_NAMES, size=n)
        names = [f"{f} {la}" for f, la in zip(firsts, lasts, strict=True)]
        emails = [
            self.unique_email(f, la, "psops.example") for f, la in zip(firsts, lasts, strict=True)
        ]

        self.p_role, self.p_team, self.p_region = role, team, region
        self.p_ww1, self.p_ww2, self.p_switch = ww1, ww2, switch
        self.p_hire, self.p_leave, self.p_bill = hire, leave, bill_rate
        self.p_factor = np.clip(rng.normal(1.0, 0.07, n), 0.8, 1.2)
        self.p_name, self.p_email = names, emails
        self.p_user_id = [str(USER_ID0 + i) for i in range(n)]

        managers = self._managers(rng)
        created_s = (hire - 7) * 86400 + 10 * 3600
        left = leave < NEVER
        updated_s = np.where(
            left,
            leave * 86400 + 18 * 3600,
            created_s + (rng.random(n) * (self.as_of_s - created_s)).astype("int64"),
        )
        updated_s = self.clip_ts(updated_s, created_s)
        self.w.insert(
            "kantata",
            "users",
            {
                "id": self.p_user_id,
                "full_name": names,
                "email_address": emails,
                "headline": [
                    f"{org.ROLES[r].name}, {org.TEAMS[t]}" for r, t in zip(role, team, strict=True)
                ],
                "created_at": ts_array(created_s),
                "updated_at": ts_array(updated_s),
            },
        )
        self.w.insert(
            "kantata",
            "account_memberships",
            {
                "id": [str(MEMBERSHIP_ID0 + i) for i in range(n)],
                "user_id": self.p_user_id,
                "default_role_id": [str(ROLE_ID0 + r) for r in role],
                "billability_target": target,
                "bill_rate_in_cents": bill_rate,
                "cost_rate_in_cents": cost_rate,
                "manager_id": [None if m < 0 else self.p_user_id[m] for m in managers],
                "disabled_at": pd.array(
                    [
                        pd.Timestamp(from_day_number(d)) + pd.Timedelta(hours=18)
                        if d < NEVER
                        else pd.NaT
                        for d in leave
                    ],
                    dtype="datetime64[s]",
                ),
                "updated_at": ts_array(updated_s),
            },
        )
        values = {"subject_id": [], "custom_field_name": [], "value": []}
        for i in range(n):
            for name, value in (
                ("Region", org.REGIONS[region[i]].code),
                ("Team", org.TEAMS[team[i]]),
                ("Hire Date", from_day_number(hire[i]).isoformat()),
            ):
                values["subject_id"].append(self.p_user_id[i])
                values["custom_field_name"].append(name)
                values["value"].append(value)
        self._custom_values("User", values, np.repeat(created_s, 3))

        ww_rows: dict[str, list] = {
            "workweek_id": [],
            "user_id": [],
            "start_date": [],
            "end_date": [],
            "updated_s": [],
        }
        for i in range(n):
            first_end = switch[i] - 1 if switch[i] < NEVER else None
            spans = [(ww1[i], hire[i], first_end)]
            if first_end is not None:
                spans.append((ww2[i], switch[i], None))
            for wk, s, e in spans:
                ww_rows["workweek_id"].append(str(WORKWEEK_ID0 + wk))
                ww_rows["user_id"].append(self.p_user_id[i])
                ww_rows["start_date"].append(from_day_number(s))
                ww_rows["end_date"].append(None if e is None else from_day_number(e))
                ww_rows["updated_s"].append(
                    min((max(s, hire[i] - 7)) * 86400 + 9 * 3600, self.as_of_s)
                )
        upd = ts_array(ww_rows.pop("updated_s"))
        ww_rows["id"] = [str(i) for i in self.ids("workweek_memberships", len(upd), 701)]
        ww_rows["end_date"] = pd.array(ww_rows["end_date"], dtype="datetime64[s]")
        self.w.insert("kantata", "workweek_memberships", {**ww_rows, "updated_at": upd})
        self.w.insert(
            "kantata",
            "holiday_calendar_memberships",
            {
                "id": [str(i) for i in self.ids("holiday_calendar_memberships", n, 801)],
                "holiday_calendar_id": [str(CALENDAR_ID0 + r) for r in region],
                "user_id": self.p_user_id,
                "start_date": date_array(hire),
                "end_date": pd.array([pd.NaT] * n, dtype="datetime64[s]"),
                "updated_at": ts_array(created_s),
            },
        )

    def _managers(self, rng: np.random.Generator) -> list[int]:
        pl, em = org.ROLE_INDEX["Practice Lead"], org.ROLE_INDEX["Engagement Manager"]
        role, team, region = self.p_role, self.p_team, self.p_region
        out = [-1]
        for i in range(1, len(role)):
            if role[i] == pl:
                pool = [0]
            else:
                bosses = (pl,) if role[i] == em else (pl, em)
                same = np.nonzero(
                    np.isin(role, bosses) & (team == team[i]) & (region == region[i])
                )[0]
                wide = np.nonzero(np.isin(role, bosses) & (team == team[i]))[0]
                pool = [j for j in (same if len(same) else wide) if j != i] or [0]
            out.append(int(pool[rng.integers(len(pool))]))
        return out

    def _custom_values(self, subject_type: str, values: dict[str, list], updated_s) -> None:
        n = len(values["value"])
        self.w.insert(
            "kantata",
            "custom_field_values",
            {
                "id": [str(i) for i in self.ids("custom_field_values", n, 900_001)],
                "subject_type": subject_type,
                "subject_id": values["subject_id"],
                "custom_field_id": [self.custom_field_ids[c] for c in values["custom_field_name"]],
                "custom_field_name": values["custom_field_name"],
                "value": values["value"],
                "updated_at": ts_array(self.clip_ts(updated_s)),
            },
        )

    # -- Salesforce -------------------------------------------------------------------
    def salesforce_users(self) -> None:
        rng = self.rng("salesforce users")
        n, reps = self.scale.people, self.scale.sales_reps
        rep_names, rep_emails = [], []
        for _ in range(reps):
            f, la = rng.choice(org.FIRST_NAMES), rng.choice(org.LAST_NAMES)
            rep_names.append(f"{f} {la}")
            rep_emails.append(self.unique_email(f, la, "psops.example"))
        self.sf_user_id = [salesforce_id("005", i) for i in range(n + reps)]
        self.rep_ids = self.sf_user_id[n:]
        created = np.concatenate(
            [self.p_hire * 86400 + 9 * 3600, (self.start_n - rng.integers(100, 2000, reps)) * 86400]
        )
        leave = np.concatenate([self.p_leave, np.full(reps, NEVER)])
        modstamp = np.where(
            leave < NEVER,
            leave * 86400 + 19 * 3600,
            created + (rng.random(n + reps) * (self.as_of_s - created)).astype("int64"),
        )
        self.w.insert(
            "salesforce",
            "user",
            {
                "Id": self.sf_user_id,
                "Name": self.p_name + rep_names,
                "Email": self.p_email + rep_emails,
                "IsActive": leave >= NEVER,
                "CreatedDate": ts_array(created),
                "SystemModstamp": ts_array(self.clip_ts(modstamp, created)),
                "IsDeleted": False,
            },
        )

    def accounts(self) -> None:
        rng = self.rng("accounts")
        n = self.scale.accounts
        names: list[str] = []
        seen: set[str] = set()
        suffixes = ["", " Group", " Holdings", " International", " Labs", " Ltd", " Global"]
        while len(names) < n:
            name = f"{rng.choice(org.COMPANY_FIRST)} {rng.choice(org.COMPANY_SECOND)}"
            name += suffixes[int(rng.integers(len(suffixes)))] if name in seen else ""
            if name not in seen:
                seen.add(name)
                names.append(name)
        self.a_name = names
        self.a_id = [salesforce_id("001", i) for i in range(n)]
        self.a_region = rng.choice(
            len(org.REGIONS), size=n, p=_norm([r.share for r in org.REGIONS])
        )
        segs = [s for s, _ in org.SEGMENTS]
        self.a_segment = rng.choice(len(segs), size=n, p=_norm([w for _, w in org.SEGMENTS]))
        self.a_owner = rng.integers(0, len(self.rep_ids), n)
        self.a_weight = rng.pareto(1.5, n) + 0.3  # a few big repeat customers
        self.a_domain = [re.sub(r"[^a-z]", "", nm.lower())[:20] + ".example.com" for nm in names]
        created = (day_number(self.warmup) - rng.integers(30, 1500, n)) * 86400 + 11 * 3600
        self.a_created_s = created
        modstamp = created + (rng.random(n) * (self.as_of_s - created)).astype("int64")
        self.w.insert(
            "salesforce",
            "account",
            {
                "Id": self.a_id,
                "Name": names,
                "Industry": rng.choice(org.INDUSTRIES, size=n),
                "Segment__c": [segs[s] for s in self.a_segment],
                "Region__c": [org.REGIONS[r].code for r in self.a_region],
                "OwnerId": [self.rep_ids[o] for o in self.a_owner],
                "CreatedDate": ts_array(created),
                "SystemModstamp": ts_array(modstamp),
                "IsDeleted": False,
            },
        )

    def _plan(self, rng: np.random.Generator, region: int, team: int) -> tuple:
        """Team shape, duration and price of one PS engagement."""
        delivery = [org.ROLE_INDEX[r] for r in org.DELIVERY_ROLES]
        slots: list[tuple[int, float, float]] = []
        for _ in range(int(rng.choice([1, 2, 2, 3, 3, 4]))):
            r = int(rng.choice(delivery, p=[0.45, 0.3, 0.25]))
            slots.append((r, float(rng.choice(org.ROLES[r].engagement_share)), 1.0))
        for name, p, portion in (
            ("Project Manager", 0.8, 1.0),
            ("Solutions Architect", 0.85, 0.6),
            ("Engagement Manager", 0.5, 1.0),
            ("Practice Lead", 0.3, 1.0),
        ):
            if rng.random() < p:
                r = org.ROLE_INDEX[name]
                slots.append((r, float(rng.choice(org.ROLES[r].engagement_share)), portion))
        weeks = int(rng.choice([6, 8, 10, 12, 16, 20, 26, 32, 40]))
        hours = sum(share * 40 * weeks * portion for _, share, portion in slots)
        rate = sum(share * portion * org.ROLES[r].bill_rate_cents for r, share, portion in slots)
        rate /= sum(share * portion for _, share, portion in slots)
        price_cents = int(
            round(hours * rate * org.REGIONS[region].rate_factor * rng.uniform(0.95, 1.15), -4)
        )
        return slots, weeks, round(hours, 1), price_cents

    def opportunities(self) -> None:
        rng = self.rng("opportunities")
        first = day_number(self.warmup)
        last_month = add_months(self.as_of, 12)
        month = self.warmup
        base = self.scale.people * PS_ENGAGEMENTS_PER_PERSON_MONTH / (WIN_RATE * PS_ATTACH_RATE)
        ps_products = {
            0: ["PS - Implementation", "PS - Integration Services"],
            1: ["PS - Implementation", "PS - Advisory"],
            2: ["PS - Implementation"],
            3: ["PS - Premium Success", "PS - Advisory"],
        }
        pid = {p[0]: i for i, p in enumerate(org.PRODUCTS)}
        non_ps = [i for i, p in enumerate(org.PRODUCTS) if p[1] != org.PS_FAMILY]
        opp: dict[str, list] = {
            k: []
            for k in (
                "Id",
                "Name",
                "AccountId",
                "OwnerId",
                "StageName",
                "Probability",
                "Amount",
                "CloseDate",
                "ForecastCategoryName",
                "IsClosed",
                "IsWon",
                "Type",
                "created",
                "modstamp",
                "IsDeleted",
            )
        }
        items: dict[str, list] = {
            k: []
            for k in ("OpportunityId", "Product2Id", "Quantity", "UnitPrice", "TotalPrice", "opp")
        }
        self.engagements: list[Engagement] = []
        seen_accounts: set[int] = set()
        a_p = self.a_weight / self.a_weight.sum()
        seg_amount = {0: (250_000, 0.8), 1: (120_000, 0.8), 2: (40_000, 0.7)}
        while month <= last_month:
            months_in = (month.year - self.warmup.year) * 12 + month.month - self.warmup.month
            m_first = day_number(month)
            m_days = day_number(add_months(month, 1)) - m_first
            for _ in range(rng.poisson(base * (1.008**months_in))):
                close = m_first + int(rng.integers(m_days))
                created = close - int(rng.integers(20, 200))
                if created >= self.as_of_n or close < first:
                    continue
                a = int(rng.choice(len(a_p), p=a_p))
                k = len(opp["Id"])
                oid = salesforce_id("006", k)
                closed = close < self.as_of_n
                won = closed and rng.random() < WIN_RATE
                team = int(rng.choice(len(org.TEAMS), p=_norm(org.TEAM_WEIGHTS)))
                has_ps = rng.random() < PS_ATTACH_RATE
                lines: list[tuple[int, float, float]] = []  # product, qty, unit price
                product_name = ""
                if has_ps:
                    slots, weeks, hours, price = self._plan(rng, int(self.a_region[a]), team)
                    product_name = str(rng.choice(ps_products[team]))
                    extra = rng.random() < 0.25
                    main = price * (0.85 if extra else 1.0) / 100
                    days_ = max(1, round(hours * (0.85 if extra else 1.0) / 8))
                    lines.append((pid[product_name], days_, round(main / days_, 2)))
                    if extra:
                        rest = price / 100 - lines[0][1] * lines[0][2]
                        lines.append(
                            (
                                pid[str(rng.choice(["PS - Training", "PS - Advisory"]))],
                                1,
                                round(rest, 2),
                            )
                        )
                if not has_ps or rng.random() < 0.8:
                    median, sigma = seg_amount[int(self.a_segment[a])]
                    for prod in rng.choice(non_ps, size=int(rng.integers(1, 3)), replace=False):
                        amount = round(float(rng.lognormal(np.log(median), sigma)), -2)
                        qty = int(rng.choice([1, 12]))
                        lines.append((int(prod), qty, round(amount / qty, 2)))
                if not product_name:
                    product_name = org.PRODUCTS[lines[0][0]][0]
                if closed:
                    stage = "Closed Won" if won else "Closed Lost"
                else:
                    to_close = close - self.as_of_n
                    ladder = 0 if to_close > 180 else 1 if to_close > 90 else 2
                    stage = org.OPEN_STAGES[min(3, ladder + int(rng.integers(0, 2)))]
                prob, category = org.STAGES[stage]
                probability: float | None = float(prob)
                if not closed:
                    u = rng.random()
                    if u < 0.05:
                        probability = None
                    elif u < 0.15:
                        probability = float(min(95, max(5, prob + rng.choice([-10, 10]))))
                    if rng.random() < 0.05:
                        category = "Omitted"
                created_s = created * 86400 + int(rng.integers(9 * 3600, 17 * 3600))
                if closed:
                    modstamp = close * 86400 + int(rng.integers(8 * 3600, 3 * 86400))
                else:
                    modstamp = created_s + int(rng.random() * (self.as_of_s - created_s))
                modstamp = max(min(modstamp, self.as_of_s), created_s)
                deleted = stage == "Closed Lost" and rng.random() < 0.01
                total = sum(round(q * u, 2) for _, q, u in lines)
                opp["Id"].append(oid)
                opp["Name"].append(
                    f"{self.a_name[a]} - {product_name} {from_day_number(close).year}"
                )
                opp["AccountId"].append(self.a_id[a])
                opp["OwnerId"].append(
                    self.rep_ids[self.a_owner[a]]
                    if rng.random() < 0.8
                    else self.rep_ids[int(rng.integers(len(self.rep_ids)))]
                )
                opp["StageName"].append(stage)
                opp["Probability"].append(probability)
                opp["Amount"].append(round(total, 2))
                opp["CloseDate"].append(from_day_number(close))
                opp["ForecastCategoryName"].append(category)
                opp["IsClosed"].append(closed)
                opp["IsWon"].append(won)
                opp["Type"].append("Existing Business" if a in seen_accounts else "New Business")
                opp["created"].append(created_s)
                opp["modstamp"].append(modstamp)
                opp["IsDeleted"].append(deleted)
                seen_accounts.add(a)
                for prod, qty, unit in lines:
                    items["OpportunityId"].append(oid)
                    items["Product2Id"].append(self.product_ids[prod])
                    items["Quantity"].append(float(qty))
                    items["UnitPrice"].append(unit)
                    items["TotalPrice"].append(round(qty * unit, 2))
                    items["opp"].append(k)
                if won and has_ps and not deleted:
                    start = close + int(rng.integers(7, 45))
                    start += max(0, 7 - weekday_of(start)) % 7 if weekday_of(start) >= 5 else 0
                    ps_cents = sum(
                        int(round(q * u * 100))
                        for p_, q, u in lines
                        if org.PRODUCTS[p_][1] == org.PS_FAMILY
                    )
                    self.engagements.append(
                        Engagement(
                            index=len(self.engagements),
                            opportunity=k,
                            account=a,
                            region=int(self.a_region[a]),
                            team=team,
                            fixed_fee=bool(rng.random() < 0.35),
                            close_day=close,
                            start_day=start,
                            due_day=start + weeks * 7 - 3,
                            weeks=weeks,
                            slots=slots,
                            price_cents=ps_cents,
                            budgeted_hours=hours,
                            product=product_name,
                        )
                    )
            month = add_months(month, 1)
        self.o_id = opp["Id"]
        self.o_created_s = np.array(opp.pop("created"), dtype="int64")
        o_mod = np.array(opp.pop("modstamp"), dtype="int64")
        deleted = np.array(opp["IsDeleted"])
        self.w.insert(
            "salesforce",
            "opportunity",
            {
                **opp,
                "CreatedDate": ts_array(self.o_created_s),
                "SystemModstamp": ts_array(o_mod),
                "CurrencyIsoCode": "USD",
            },
        )
        k = np.array(items.pop("opp"), dtype="int64")
        n_items = len(k)
        item_created = self.o_created_s[k] + 600
        self.w.insert(
            "salesforce",
            "opportunitylineitem",
            {
                **items,
                "Id": [salesforce_id("00k", i) for i in range(n_items)],
                "CreatedDate": ts_array(item_created),
                "SystemModstamp": ts_array(np.maximum(o_mod[k], item_created)),
                "IsDeleted": deleted[k],
            },
        )
        log.info("opportunities: %d, engagements: %d", len(self.o_id), len(self.engagements))

    # -- Kantata workspaces and Jira projects ---------------------------------------
    def workspaces(self) -> None:
        rng = self.rng("workspaces")
        keys: set[str] = {org.INTERNAL_PROJECT_KEY}
        rows: dict[str, list] = {
            k: []
            for k in (
                "title",
                "status",
                "start_date",
                "due_date",
                "price_in_cents",
                "budgeted",
                "budgeted_hours",
                "stories_are_fixed_fee_by_default",
                "archived",
                "created",
                "updated",
            )
        }
        cfv: dict[str, list] = {"subject_id": [], "custom_field_name": [], "value": []}
        cfv_upd: list[int] = []
        for e in self.engagements:
            e.key = _project_key(self.a_name[e.account], keys)
            keys.add(e.key)
            e.title = (
                f"{self.a_name[e.account]} - {e.product.removeprefix('PS - ')} "
                f"({from_day_number(e.close_day).year})"
            )
            created = (e.close_day + int(rng.integers(1, 4))) * 86400 + 10 * 3600
            created = min(created, self.as_of_s)
            done = e.due_day < self.as_of_n
            if done:
                updated = (e.due_day + int(rng.integers(1, 20))) * 86400 + 15 * 3600
            else:
                updated = self.as_of_s - int(rng.integers(0, 20 * 86400))
            updated = max(min(updated, self.as_of_s), created)
            rows["title"].append(e.title)
            rows["status"].append("Completed" if done else "Active")
            rows["start_date"].append(from_day_number(e.start_day))
            rows["due_date"].append(from_day_number(e.due_day))
            rows["price_in_cents"].append(e.price_cents)
            rows["budgeted"].append(True)
            rows["budgeted_hours"].append(e.budgeted_hours)
            rows["stories_are_fixed_fee_by_default"].append(e.fixed_fee)
            rows["archived"].append(done and e.due_day < self.as_of_n - 180)
            rows["created"].append(created)
            rows["updated"].append(updated)
            wid = str(WORKSPACE_ID0 + e.index)
            for name, value in (
                ("Salesforce Opportunity ID", self.o_id[e.opportunity]),
                ("Jira Project Key", e.key),
                ("Engagement Type", "Client"),
            ):
                cfv["subject_id"].append(wid)
                cfv["custom_field_name"].append(name)
                cfv["value"].append(value)
                cfv_upd.append(created)
        # internal workspaces follow the client ones
        self.internal_ws = [
            WORKSPACE_ID0 + len(self.engagements) + i for i in range(len(org.INTERNAL_WORKSPACES))
        ]
        internal_created = (day_number(self.warmup) - 400) * 86400 + 9 * 3600
        for wid, title in zip(self.internal_ws, org.INTERNAL_WORKSPACES, strict=True):
            rows["title"].append(title)
            rows["status"].append("Active")
            rows["start_date"].append(from_day_number(day_number(self.warmup) - 400))
            rows["due_date"].append(date(self.as_of.year + 1, 12, 31))
            rows["price_in_cents"].append(0)
            rows["budgeted"].append(False)
            rows["budgeted_hours"].append(None)
            rows["stories_are_fixed_fee_by_default"].append(False)
            rows["archived"].append(False)
            rows["created"].append(internal_created)
            rows["updated"].append(internal_created)
            cfv["subject_id"].append(str(wid))
            cfv["custom_field_name"].append("Engagement Type")
            cfv["value"].append("Internal")
            cfv_upd.append(internal_created)
        n = len(rows["title"])
        created, updated = rows.pop("created"), rows.pop("updated")
        rows["budgeted_hours"] = pd.array(rows["budgeted_hours"], dtype="Float64")
        self.w.insert(
            "kantata",
            "workspaces",
            {
                "id": [str(WORKSPACE_ID0 + i) for i in range(n)],
                **rows,
                "currency": "USD",
                "created_at": ts_array(np.array(created)),
                "updated_at": ts_array(np.array(updated)),
            },
        )
        self.ws_created_day = np.array(created, dtype="int64") // 86400
        self._custom_values("Workspace", cfv, np.array(cfv_upd, dtype="int64"))
        project_ids = [str(10_000 + i) for i in range(len(self.engagements) + 1)]
        self.w.insert(
            "jira",
            "projects",
            {
                "id": project_ids,
                "key": [org.INTERNAL_PROJECT_KEY] + [e.key for e in self.engagements],
                "name": ["PS Ops Internal Requests"] + [e.title for e in self.engagements],
                "project_type_key": "service_desk",
            },
        )

    # -- staffing -------------------------------------------------------------------
    def staffing(self) -> None:
        """Greedy: engagements in start order; each slot goes to the least-loaded person of
        the role (same region and team first) who has room for its share of the week."""
        rng = self.rng("staffing")
        n = self.scale.people
        load = np.zeros(n)
        max_load = np.array([org.ROLES[r].max_load for r in self.p_role])
        ending: list[tuple[int, int, float]] = []
        delivery = np.isin(self.p_role, [org.ROLE_INDEX[r] for r in org.DELIVERY_ROLES])
        a: dict[str, list] = {"person": [], "ws": [], "share": [], "start": [], "end": []}
        for e in sorted(self.engagements, key=lambda x: (x.start_day, x.index)):
            while ending and ending[0][0] < e.start_day:
                _, p, share = heapq.heappop(ending)
                load[p] -= share
            employed = (self.p_hire <= e.start_day) & (self.p_leave > e.start_day + 14)
            for role, share, portion in e.slots:
                room = employed & (load + share <= max_load + 1e-9)
                is_role = self.p_role == role
                if org.ROLES[role].name in org.DELIVERY_ROLES:
                    pools = [is_role, delivery]
                else:
                    pools = [is_role]
                chosen = -1
                for pool in pools:
                    for local in (
                        (self.p_region == e.region) & (self.p_team == e.team),
                        self.p_region == e.region,
                        np.ones(n, dtype=bool),
                    ):
                        cand = np.nonzero(room & pool & local)[0]
                        cand = cand[~np.isin(cand, e.staff)]
                        if len(cand):
                            score = load[cand] / max_load[cand] + rng.random(len(cand)) * 0.2
                            chosen = int(cand[np.argmin(score)])
                            break
                    if chosen >= 0:
                        break
                if chosen < 0:
                    continue
                end = e.start_day + int(round((e.due_day - e.start_day) * portion))
                end = min(end, int(self.p_leave[chosen]))
                e.staff.append(chosen)
                load[chosen] += share
                heapq.heappush(ending, (end, chosen, share))
                for key, value in (
                    ("person", chosen),
                    ("ws", e.index),
                    ("share", share),
                    ("start", e.start_day),
                    ("end", end),
                ):
                    a[key].append(value)
        self.a_person = np.array(a["person"], dtype="int64")
        self.a_ws = np.array(a["ws"], dtype="int64")
        self.a_share = np.array(a["share"])
        self.a_start = np.array(a["start"], dtype="int64")
        self.a_end = np.array(a["end"], dtype="int64")
        self.a_fixed = np.array([self.engagements[w].fixed_fee for w in a["ws"]], dtype=bool)
        self.a_resource = self.ids("workspace_resources", len(self.a_person), 7_000_001)
        # everyone is a resource on the internal workspaces they log time to
        n_int = len(self.internal_ws)
        int_person = np.repeat(np.arange(n), n_int)
        int_ws = np.tile(np.array(self.internal_ws) - WORKSPACE_ID0, n)
        int_ids = self.ids("workspace_resources", len(int_person))
        persons = np.concatenate([self.a_person, int_person])
        upd = np.concatenate(
            [
                self.ws_created_day[self.a_ws] * 86400 + 12 * 3600,
                np.maximum(self.p_hire[int_person] - 7, self.ws_created_day[int_ws]) * 86400,
            ]
        )
        self.w.insert(
            "kantata",
            "workspace_resources",
            {
                "id": np.concatenate([self.a_resource, int_ids]).astype(str),
                "workspace_id": (np.concatenate([self.a_ws, int_ws]) + WORKSPACE_ID0).astype(str),
                "user_id": (persons + USER_ID0).astype(str),
                "role_id": (self.p_role[persons] + ROLE_ID0).astype(str),
                "updated_at": ts_array(self.clip_ts(upd)),
            },
        )
        log.info("staffing: %d assignments", len(self.a_person))

    # -- time off -------------------------------------------------------------------
    def time_off_plan(self) -> None:
        """Vacation blocks (summer and December peaks), sick days and half days."""
        rng = self.rng("time off")
        month_weight = _norm([0.6, 0.6, 0.8, 0.9, 0.9, 1.2, 1.8, 2.2, 0.8, 0.8, 0.7, 1.9])
        person, day, hours, booked = [], [], [], []
        first_year = self.start.year
        last_year = from_day_number(self.horizon_n).year
        for p in range(self.scale.people):
            lo = max(int(self.p_hire[p]), self.start_n)
            hi = min(int(self.p_leave[p]), self.horizon_n)
            if lo > hi:
                continue
            holidays = self.holiday_days[self.p_region[p]]
            daily = self.ww_minutes[self.p_ww1[p]]
            for year in range(first_year, last_year + 1):
                chosen: dict[int, tuple[float, bool]] = {}
                for _ in range(rng.poisson(3.2)):
                    m = int(rng.choice(12, p=month_weight))
                    d0 = day_number(date(year, m + 1, 1)) + int(rng.integers(0, 28))
                    if m == 11 and rng.random() < 0.6:
                        d0 = day_number(date(year, 12, 20)) + int(rng.integers(0, 5))
                    length = int(rng.integers(2, 11))
                    d = d0
                    while length > 0:
                        if weekday_of(d) < 5 and d not in holidays and daily[weekday_of(d)]:
                            chosen[d] = (daily[weekday_of(d)] / 60, True)
                            length -= 1
                        d += 1
                for _ in range(rng.poisson(4)):  # sick days and single days
                    d = day_number(date(year, 1, 1)) + int(rng.integers(0, 365))
                    full = rng.random() < 0.7
                    if weekday_of(d) < 5 and d not in holidays and daily[weekday_of(d)]:
                        chosen.setdefault(
                            d, (daily[weekday_of(d)] / 60 * (1 if full else 0.5), not full)
                        )
                for d, (h, planned) in sorted(chosen.items()):
                    if lo <= d <= hi and (d < self.as_of_n or rng.random() < 0.75):
                        person.append(p)
                        day.append(d)
                        hours.append(h)
                        booked.append(int(rng.integers(3, 60)) if planned else -1)
        order = np.lexsort((np.array(person), np.array(day)))
        self.to_person = np.array(person, dtype="int64")[order]
        self.to_day = np.array(day, dtype="int64")[order]
        self.to_hours = np.array(hours, dtype=float)[order]
        self.to_booked = np.array(booked, dtype="int64")[order]

    # -- month by month Kantata activity --------------------------------------------
    def kantata_activity(self) -> None:
        rng = self.rng("activity")
        month = self.start
        while day_number(month) <= self.horizon_n:
            nxt = add_months(month, 1)
            days = np.arange(day_number(month), min(day_number(nxt), self.horizon_n + 1))
            self._month(rng, days, first=month == self.start)
            month = nxt

    def _capacity(self, days: np.ndarray) -> np.ndarray:
        """Minutes of capacity per person and day (workweek, employment, holidays)."""
        ww = np.where(
            days[None, :] >= self.p_switch[:, None], self.p_ww2[:, None], self.p_ww1[:, None]
        )
        cap = self.ww_minutes[ww, weekday_of(days)[None, :]].astype(float)
        employed = (days[None, :] >= self.p_hire[:, None]) & (
            days[None, :] <= self.p_leave[:, None]
        )
        hol = np.array([[d in hs for d in days] for hs in self.holiday_days])
        return cap * employed * ~hol[self.p_region]

    def _month(self, rng: np.random.Generator, days: np.ndarray, first: bool) -> None:
        n_people = self.scale.people
        cap = self._capacity(days)
        lo, hi = np.searchsorted(self.to_day, [days[0], days[-1] + 1])
        tp, td, th = self.to_person[lo:hi], self.to_day[lo:hi] - days[0], self.to_hours[lo:hi]
        off = np.zeros_like(cap)
        np.add.at(off, (tp, td), th * 60)
        avail = np.maximum(cap - off, 0)
        self._time_off_rows(rng, lo, hi)
        past = days < self.as_of_n
        if past.any():
            self._time_entries(rng, days, avail, past)
        mondays = days[weekday_of(days) == 0]
        if first and weekday_of(days[0]) != 0:
            mondays = np.concatenate([[days[0] - weekday_of(days[0])], mondays])
        self._timesheets(rng, mondays[mondays < self.as_of_n], n_people)
        self._allocations(rng, mondays[mondays <= self.horizon_n])

    def _time_off_rows(self, rng: np.random.Generator, lo: int, hi: int) -> None:
        if hi <= lo:
            return
        d = self.to_day[lo:hi]
        sick = self.to_booked[lo:hi] < 0  # entered the day after
        requested = (d - self.to_booked[lo:hi]) * 86400 + 10 * 3600
        later = (self.as_of_n - 1 - rng.integers(0, 20, hi - lo)) * 86400 + 10 * 3600
        upd = np.where(sick, (d + 1) * 86400 + 9 * 3600, np.minimum(requested, later))
        self.w.insert(
            "kantata",
            "time_off_entries",
            {
                "id": self.ids("time_off_entries", hi - lo, 3_000_001).astype(str),
                "user_id": (self.to_person[lo:hi] + USER_ID0).astype(str),
                "requested_date": date_array(d),
                "hours": self.to_hours[lo:hi],
                "updated_at": ts_array(self.clip_ts(upd)),
            },
        )

    def _time_entries(
        self, rng: np.random.Generator, days: np.ndarray, avail: np.ndarray, past: np.ndarray
    ) -> None:
        season = np.ones(len(days))
        for i, d in enumerate(days):
            dt = from_day_number(d)
            if dt.month == 8:
                season[i] = 0.85
            elif dt.month == 12 and dt.day >= 18 or dt.month == 1 and dt.day <= 3:
                season[i] = 0.55
        act = np.nonzero((self.a_start <= days[-1]) & (self.a_end >= days[0]))[0]
        p = self.a_person[act]
        on = (days[None, :] >= self.a_start[act, None]) & (days[None, :] <= self.a_end[act, None])
        on &= past[None, :]
        planned = self.a_share[act, None] * avail[p, :] * season[None, :] * self.p_factor[p, None]
        minutes = np.round(planned * rng.lognormal(0, 0.2, planned.shape) / 15) * 15
        on &= minutes >= 15
        ai, di = np.nonzero(on)
        c_min = minutes[ai, di]
        c_person = p[ai]
        fixed = self.a_fixed[act[ai]]
        u = rng.random(len(ai))
        c_bill = np.where(fixed, u < 0.85, u < 0.96)
        client_sum = np.zeros_like(avail)
        np.add.at(client_sum, (c_person, di), c_min)
        c_ws = self.a_ws[act[ai]]
        # a longer day on one engagement is often logged as two entries (two tasks)
        split = (c_min >= 180) & (rng.random(len(c_min)) < 0.8)
        part = np.round(c_min[split] * rng.uniform(0.3, 0.7, split.sum()) / 15) * 15
        keep = ~split
        c_min = np.concatenate([c_min[keep], part, c_min[split] - part])
        c_person = np.concatenate([c_person[keep], c_person[split], c_person[split]])
        c_ws = np.concatenate([c_ws[keep], c_ws[split], c_ws[split]])
        c_bill = np.concatenate([c_bill[keep], c_bill[split], c_bill[split]])
        di = np.concatenate([di[keep], di[split], di[split]])
        rest = avail - client_sum
        internal = np.round(rest * rng.uniform(0.7, 1.0, rest.shape) / 15) * 15
        logged = (internal >= 30) & past[None, :] & (avail > 0) & (rng.random(rest.shape) < 0.92)
        ip, idd = np.nonzero(logged)
        leaders = np.isin(
            self.p_role[ip],
            [
                org.ROLE_INDEX[r]
                for r in ("Solutions Architect", "Engagement Manager", "Practice Lead")
            ],
        )
        u = rng.random(len(ip))
        which = np.where(
            leaders,
            np.where(u < 0.5, 1, np.where(u < 0.85, 2, 0)),
            np.where(u < 0.25, 0, np.where(u < 0.4, 1, 2)),
        )
        i_ws = np.array(self.internal_ws)[which] - WORKSPACE_ID0
        person = np.concatenate([c_person, ip])
        ws = np.concatenate([c_ws, i_ws])
        day = np.concatenate([days[di], days[idd]])
        mins = np.concatenate([c_min, internal[ip, idd]]).astype("int64")
        billable = np.concatenate([c_bill, np.zeros(len(ip), dtype=bool)])
        order = np.lexsort((mins, ws, person, day))
        person, ws, day, mins, billable = (x[order] for x in (person, ws, day, mins, billable))
        n = len(order)
        note_codes = np.where(
            ws >= len(self.engagements), 6 + ws - len(self.engagements), rng.integers(0, 6, n)
        )
        created = day * 86400 + 17 * 3600 + rng.integers(0, 3 * 3600, n)
        self.w.insert(
            "kantata",
            "time_entries",
            pd.DataFrame(
                {
                    "id": self.ids("time_entries", n, 10_000_001).astype(str),
                    "user_id": (person + USER_ID0).astype(str),
                    "workspace_id": (ws + WORKSPACE_ID0).astype(str),
                    "date_performed": date_array(day),
                    "time_in_minutes": mins.astype("int32"),
                    "billable": billable,
                    "rate_in_cents": np.where(billable, self.p_bill[person], 0),
                    "notes": pd.Categorical.from_codes(note_codes, categories=_NOTES),
                    "created_at": ts_array(created),
                    "updated_at": ts_array(created),
                }
            ),
        )

    def _timesheets(self, rng: np.random.Generator, mondays: np.ndarray, n_people: int) -> None:
        if not len(mondays):
            return
        last_monday = (self.as_of_n - 1) - weekday_of(self.as_of_n - 1)
        person = np.tile(np.arange(n_people), len(mondays))
        monday = np.repeat(mondays, n_people)
        keep = (self.p_hire[person] <= monday + 6) & (self.p_leave[person] >= monday)
        person, monday = person[keep], monday[keep]
        age = (last_monday - monday) // 7
        u = rng.random(len(person))
        status = np.where(u < 0.976, "approved", np.where(u < 0.996, "rejected", "pending"))
        status = np.where(
            age == 1, np.where(u < 0.3, "approved", np.where(u < 0.8, "pending", "")), status
        )
        status = np.where(age == 0, np.where(u < 0.3, "pending", ""), status)
        present = status != ""
        person, monday, status, age = (
            person[present],
            monday[present],
            status[present],
            age[present],
        )
        upd = (monday + 4) * 86400 + 16 * 3600 + rng.integers(0, 4 * 86400, len(person))
        upd = np.where(age == 0, self.as_of_s - rng.integers(3600, 86400, len(person)), upd)
        n = len(person)
        self.w.insert(
            "kantata",
            "timesheet_submissions",
            {
                "id": self.ids("timesheet_submissions", n, 2_000_001).astype(str),
                "user_id": (person + USER_ID0).astype(str),
                "start_date": date_array(monday),
                "end_date": date_array(monday + 6),
                "status": status,
                "updated_at": ts_array(self.clip_ts(upd)),
            },
        )

    def _allocations(self, rng: np.random.Generator, mondays: np.ndarray) -> None:
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("a", "s", "e", "m", "hard", "upd")}
        for mon in mondays:
            fri = mon + 4
            act = np.nonzero((self.a_start <= fri) & (self.a_end >= mon))[0]
            if not len(act):
                continue
            s = np.maximum(self.a_start[act], mon)
            e = np.minimum(self.a_end[act], fri)
            p = self.a_person[act]
            minutes = np.zeros(len(act))
            for k in range(5):
                d = mon + k
                ww = np.where(d >= self.p_switch[p], self.p_ww2[p], self.p_ww1[p])
                minutes += np.where((d >= s) & (d <= e), self.ww_minutes[ww, k], 0)
            minutes = np.round(minutes * self.a_share[act] / 15) * 15
            ok = minutes > 0
            near = mon <= self.as_of_n + 28
            not_started = self.a_start[act] > self.as_of_n
            hard = rng.random(len(act)) < np.where(not_started, 0.4, 0.9 if near else 0.55)
            planned = (mon - rng.integers(7, 45, len(act))) * 86400 + 11 * 3600
            low = self.ws_created_day[self.a_ws[act]] * 86400 + 12 * 3600
            later = (self.as_of_n - rng.integers(1, 15, len(act))) * 86400 + 11 * 3600
            upd = np.maximum(np.minimum(planned, later), low)
            for key, value in (
                ("a", act),
                ("s", s),
                ("e", e),
                ("m", minutes),
                ("hard", hard),
                ("upd", upd),
            ):
                cols[key].append(value[ok])
        if not cols["a"]:
            return
        a, s, e, m, hard, upd = (
            np.concatenate(cols[k]) for k in ("a", "s", "e", "m", "hard", "upd")
        )
        n = len(a)
        self.w.insert(
            "kantata",
            "workspace_allocations",
            {
                "id": self.ids("workspace_allocations", n, 8_000_001).astype(str),
                "resource_id": self.a_resource[a].astype(str),
                "workspace_id": (self.a_ws[a] + WORKSPACE_ID0).astype(str),
                "user_id": (self.a_person[a] + USER_ID0).astype(str),
                "start_date": date_array(s),
                "end_date": date_array(e),
                "minutes": m.astype("int32"),
                "hard": hard,
                "updated_at": ts_array(self.clip_ts(upd)),
            },
        )

    # -- Jira -----------------------------------------------------------------------
    def jira_users(self) -> None:
        rng = self.rng("jira users")
        n = self.scale.people
        seen: set[str] = set()

        def account_id() -> str:
            while True:
                value = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, 12))
                if value not in seen:
                    seen.add(value)
                    return value

        self.j_person = [account_id() for _ in range(n)]
        names, emails, active = list(self.p_name), list(self.p_email), list(self.p_leave >= NEVER)
        self.j_customer: list[list[str]] = []
        ids = list(self.j_person)
        for a in range(self.scale.accounts):
            contacts = []
            for _ in range(2):
                f, la = rng.choice(org.FIRST_NAMES), rng.choice(org.LAST_NAMES)
                contacts.append(account_id())
                names.append(f"{f} {la}")
                emails.append(self.unique_email(f, la, self.a_domain[a]))
                active.append(True)
            ids += contacts
            self.j_customer.append(contacts)
        hidden = rng.random(len(ids)) < 0.1
        self.w.insert(
            "jira",
            "users",
            {
                "account_id": ids,
                "display_name": names,
                "email_address": [None if h else e for h, e in zip(hidden, emails, strict=True)],
                "active": active,
            },
        )

    def jira_issues(self) -> None:
        rng = self.rng("jira issues")
        self.issue_seq: dict[str, int] = {}
        self.issue_no = 10_000
        self.history_no = 100_000
        starts = np.array([e.start_day for e in self.engagements], dtype="int64")
        ends = np.minimum(np.array([e.due_day for e in self.engagements]) + 14, self.as_of_n - 1)
        size = np.array([min(2.0, max(0.5, len(e.staff) / 4)) for e in self.engagements])
        month = self.start
        while day_number(month) < self.as_of_n:
            nxt = add_months(month, 1)
            m0, m1 = day_number(month), min(day_number(nxt), self.as_of_n) - 1
            active_days = np.maximum(0, np.minimum(ends, m1) - np.maximum(starts, m0) + 1)
            counts = rng.poisson(TICKETS_PER_ENGAGEMENT_MONTH / 30.4 * active_days * size)
            specs: list[tuple] = []
            for w in np.nonzero(counts)[0]:
                lo, hi = max(int(starts[w]), m0), min(int(ends[w]), m1)
                for _ in range(counts[w]):
                    specs.append(("client", int(w), int(rng.integers(lo, hi + 1))))
            active = np.nonzero((self.p_hire <= m1) & (self.p_leave >= m0))[0]
            for _ in range(rng.poisson(len(active) * INTERNAL_TICKETS_PER_PERSON_MONTH)):
                specs.append(("internal", int(rng.choice(active)), int(rng.integers(m0, m1 + 1))))
            self._issues(rng, specs)
            month = nxt

    def _issues(self, rng: np.random.Generator, specs: list[tuple]) -> None:
        leads = np.nonzero(
            np.isin(
                self.p_role,
                [
                    org.ROLE_INDEX[r]
                    for r in ("Practice Lead", "Engagement Manager", "Project Manager")
                ],
            )
        )[0]
        drafts = []
        for kind, ref, day in specs:
            if weekday_of(day) >= 5 and rng.random() < 0.9:
                day += 2 if weekday_of(day) == 5 else 1
            if kind == "client":
                e = self.engagements[ref]
                region, key = e.region, e.key
                itype = str(
                    rng.choice(
                        [t for t, _ in org.CLIENT_ISSUE_TYPES],
                        p=[w for _, w in org.CLIENT_ISSUE_TYPES],
                    )
                )
                staff = e.staff or [int(rng.integers(self.scale.people))]
                assignee = self.j_person[staff[int(rng.integers(len(staff)))]]
                contacts = self.j_customer[e.account]
                reporter = contacts[int(rng.integers(len(contacts)))]
            else:
                region, key, itype = (
                    int(self.p_region[ref]),
                    org.INTERNAL_PROJECT_KEY,
                    "Internal Request",
                )
                assignee = self.j_person[int(rng.choice(leads))] if len(leads) else None
                reporter = self.j_person[ref]
            p_prio = [0.12, 0.25, 0.4, 0.23] if itype == "Escalation" else [0.03, 0.17, 0.5, 0.3]
            prio = int(rng.choice(4, p=p_prio))
            hour = float(np.clip(rng.normal(12.5, 2.4), 8.0, 18.5))
            local = datetime.combine(from_day_number(day), datetime.min.time()) + timedelta(
                hours=hour
            )
            tz = ZoneInfo(org.REGIONS[region].timezone)
            created = _to_utc(local, tz)
            if created >= datetime.fromtimestamp(self.as_of_s, UTC).replace(tzinfo=None):
                continue
            drafts.append((created, local, tz, key, itype, prio, assignee, reporter))
        drafts.sort(key=lambda d: (d[0], d[3]))
        issues: dict[str, list] = {
            k: []
            for k in (
                "id",
                "key",
                "project_key",
                "issue_type",
                "priority",
                "status_id",
                "status_name",
                "status_category_key",
                "summary",
                "assignee_account_id",
                "reporter_account_id",
                "created",
                "updated",
                "resolutiondate",
            )
        }
        log_rows: dict[str, list] = {
            k: []
            for k in (
                "id",
                "history_id",
                "issue_id",
                "author_account_id",
                "created",
                "field",
                "from_id",
                "from_string",
                "to_id",
                "to_string",
            )
        }
        as_of_dt = datetime.fromtimestamp(self.as_of_s, UTC).replace(tzinfo=None)
        for created, local, tz, key, itype, prio, assignee, reporter in drafts:
            path = _issue_path(rng, local, prio)
            steps: list[tuple[datetime, int, int]] = []
            last = created
            for t_local, frm, to in path:
                t = max(_to_utc(t_local, tz), last + timedelta(minutes=1))
                if t >= as_of_dt:
                    break
                steps.append((t, frm, to))
                last = t
            self.issue_no += 1
            issue_id = str(self.issue_no)
            self.issue_seq[key] = self.issue_seq.get(key, 0) + 1
            final = steps[-1][2] if steps else T_TODO
            if not steps and rng.random() < 0.5:
                assignee = None
            sid, sname, scat = org.JIRA_STATUSES[final]
            issues["id"].append(issue_id)
            issues["key"].append(f"{key}-{self.issue_seq[key]}")
            issues["project_key"].append(key)
            issues["issue_type"].append(itype)
            issues["priority"].append(org.PRIORITIES[prio])
            issues["status_id"].append(sid)
            issues["status_name"].append(sname)
            issues["status_category_key"].append(scat)
            issues["summary"].append(_summary(rng, itype))
            issues["assignee_account_id"].append(assignee)
            issues["reporter_account_id"].append(reporter)
            issues["created"].append(created)
            issues["updated"].append(last)
            issues["resolutiondate"].append(last if final == T_DONE else None)
            for t, frm, to in steps:
                self.history_no += 1
                by_customer = to == T_REOPENED or (frm == T_WAITING and to == T_PROGRESS)
                log_rows["id"].append(f"{self.history_no}-0")
                log_rows["history_id"].append(str(self.history_no))
                log_rows["issue_id"].append(issue_id)
                log_rows["author_account_id"].append(reporter if by_customer else assignee)
                log_rows["created"].append(t)
                log_rows["field"].append("status")
                log_rows["from_id"].append(org.JIRA_STATUSES[frm][0])
                log_rows["from_string"].append(org.JIRA_STATUSES[frm][1])
                log_rows["to_id"].append(org.JIRA_STATUSES[to][0])
                log_rows["to_string"].append(org.JIRA_STATUSES[to][1])
        for table, rows in (("issues", issues), ("issue_changelog", log_rows)):
            df = pd.DataFrame(rows)
            for col in ("created", "updated", "resolutiondate"):
                if col in df:
                    df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
            self.w.insert("jira", table, df)

    # -- the gate test's bad rows ---------------------------------------------------
    def orphans(self, n: int) -> None:
        if n <= 0:
            return
        day = self.as_of_n - 2 - np.arange(n)
        created = day * 86400 + 17 * 3600
        self.w.insert(
            "kantata",
            "time_entries",
            {
                "id": self.ids("time_entries", n, 10_000_001).astype(str),
                "user_id": (ORPHAN_USER_ID0 + np.arange(n)).astype(str),
                "workspace_id": str(self.internal_ws[-1]),
                "date_performed": date_array(day),
                "time_in_minutes": np.full(n, 60, dtype="int32"),
                "billable": False,
                "rate_in_cents": 0,
                "notes": "Imported from the legacy PSA",
                "created_at": ts_array(created),
                "updated_at": ts_array(created),
            },
        )


_NOTES = [
    "Implementation work",
    "Client workshop",
    "Integration testing",
    "Status meeting",
    "Documentation",
    "Go-live support",
    "Certification training",
    "Pre-sales demo preparation",
    "Internal project",
]

_TOPICS = (
    "3DS2 authentication flow",
    "webhook retries",
    "settlement reports",
    "refund API",
    "payout reconciliation",
    "fraud rules",
    "checkout SDK upgrade",
    "card tokenization",
    "chargeback workflow",
    "multi-currency pricing",
    "Apple Pay",
    "SSO configuration",
    "ledger export",
    "dispute evidence upload",
    "risk scoring thresholds",
    "data migration",
)
_PREFIX = {
    "Scoping Request": "Scope",
    "Escalation": "Escalation:",
    "System Enhancement": "Enhance",
    "Internal Request": "Request:",
}

# business hours (median, sigma) per priority: first response, work to resolve
_FIRST_RESPONSE = ((0.4, 0.8), (1.5, 0.9), (5.0, 0.9), (10.0, 0.9))
_WORK = ((5.0, 0.7), (14.0, 0.7), (38.0, 0.7), (70.0, 0.7))
_NEVER_CLOSED = (0.01, 0.03, 0.07, 0.11)


def _issue_path(
    rng: np.random.Generator, created: datetime, prio: int
) -> list[tuple[datetime, int, int]]:
    """Local times of the status changes: To Do -> In Progress -> (Waiting for customer ->
    In Progress) -> Done, sometimes reopened; a few never finish."""
    fr = float(rng.lognormal(np.log(_FIRST_RESPONSE[prio][0]), _FIRST_RESPONSE[prio][1]))
    work = float(rng.lognormal(np.log(_WORK[prio][0]), _WORK[prio][1]))
    stuck = rng.random() < _NEVER_CLOSED[prio]
    stuck_at = int(rng.integers(0, 3)) if stuck else -1  # 0 To Do, 1 In Progress, 2 Waiting
    if stuck_at == 0:
        return []
    t = add_business_hours(created, fr)
    path = [(t, T_TODO, T_PROGRESS)]
    if stuck_at == 1:
        return path
    if rng.random() < 0.35 or stuck_at == 2:
        split = float(rng.uniform(0.2, 0.7))
        t = add_business_hours(t, work * split)
        path.append((t, T_PROGRESS, T_WAITING))
        if stuck_at == 2:
            return path
        t = t + timedelta(hours=float(rng.lognormal(np.log(30), 1.0)))
        path.append((t, T_WAITING, T_PROGRESS))
        work *= 1 - split
    t = add_business_hours(t, work)
    path.append((t, T_PROGRESS, T_DONE))
    if rng.random() < 0.05:
        t = t + timedelta(hours=float(rng.uniform(4, 120)))
        path.append((t, T_DONE, T_REOPENED))
        t = add_business_hours(t, fr / 2 + 0.25)
        path.append((t, T_REOPENED, T_PROGRESS))
        t = add_business_hours(t, work * 0.3 + 0.5)
        path.append((t, T_PROGRESS, T_DONE))
    return path


def _summary(rng: np.random.Generator, issue_type: str) -> str:
    return f"{_PREFIX[issue_type]} {_TOPICS[int(rng.integers(len(_TOPICS)))]}"


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _norm(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _project_key(name: str, taken: set[str]) -> str:
    """ACME, then ACM2 .. ACM9, AC10 .. AC99, then A100 ..."""
    letters = re.sub(r"[^A-Z]", "", name.upper()) or "PRJ"
    base = (letters + "XXXX")[:4]
    if base not in taken:
        return base
    n = 2
    while True:
        digits = str(n)
        candidate = base[: max(1, 4 - len(digits))] + digits
        if candidate not in taken:
            return candidate
        n += 1


# ---------------------------------------------------------------------------------------
# public entry point


def generate(
    out_dir: Path,
    scale: str = "small",
    seed: int = 7,
    as_of: date | None = None,
    orphan_time_entries: int = 0,
) -> dict[str, int]:
    """Write <out_dir>/sandbox.duckdb (replacing any existing one) and <out_dir>/manifest.json
    ({"scale", "seed", "as_of", "counts": {table: rows}}). Returns the row counts per table."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    as_of = as_of or datetime.now(UTC).date()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "sandbox.duckdb"
    building = out_dir / ".sandbox.building.duckdb"
    for stale in (building, Path(f"{building}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        for statement in create_sandbox_tables_sql():
            con.execute(statement)
        gen = _Generator(con, SCALES[scale], seed, as_of)
        gen.run()
        gen.orphans(orphan_time_entries)
        counts = {}
        for system, tables in SYSTEMS.items():
            for table in tables:
                name = sandbox_table_name(system, table)
                counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(building, target)
    manifest = {"scale": scale, "seed": seed, "as_of": as_of.isoformat(), "counts": counts}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("sandbox %s (seed %d, as of %s) written to %s", scale, seed, as_of, target)
    return counts
