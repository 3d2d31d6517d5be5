"""Kantata activity month by month: time entries, time off, timesheets, allocations."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sources.sandbox import org
from sources.sandbox.gen.common import (
    ORPHAN_USER_ID0,
    USER_ID0,
    WORKSPACE_ID0,
    add_months,
    date_array,
    day_number,
    from_day_number,
    ts_array,
    weekday_of,
)


class Activity:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...)."""

    def kantata_activity(self) -> None:
        rng = self.rng("activity")
        self._worked_weeks: list[np.ndarray] = []  # keys of (person, week, workspace) worked
        month = self.start
        while day_number(month) <= self.horizon_n:
            nxt = add_months(month, 1)
            days = np.arange(day_number(month), min(day_number(nxt), self.horizon_n + 1))
            self._month(rng, days)
            month = nxt
        self._hygiene_time_entries()
        self._hygiene_allocations()
        self._timesheets(self.rng("timesheets"))

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

    def _month(self, rng: np.random.Generator, days: np.ndarray) -> None:
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
        monday = day - weekday_of(day)
        self._worked_weeks.append(np.unique((person << 40) | (monday << 20) | ws))
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

    def _working_day(self, region: int, person: int | None, day: int) -> int:
        """The first weekday from ``day`` on that is no holiday of the region and no day
        off of the person."""
        while True:
            off = person is not None and bool(
                np.any((self.to_person == person) & (self.to_day == day))
            )
            if weekday_of(day) < 5 and day not in self.holiday_days[region] and not off:
                return day
            day += 1

    def _hygiene_time_entries(self) -> None:
        """Planted admin-hygiene cases in the time entries (DOMAIN.md §11), their own rng
        stream, appended after the others: the account's "Sales" person logs billable
        hours on a running client engagement (non_delivery_billable_time: three entries),
        and people log time on finished engagements more than 30 days after the due date
        (time_after_workspace_due: one entry on each of 2 + 1 per 200 engagements)."""
        rng = self.rng("hygiene time")
        rows: dict[str, list] = {k: [] for k in ("person", "ws", "day", "minutes", "rate")}
        skip = self.hygiene_no_opportunity | self.hygiene_unmatched_opportunity
        # a non-delivery person logging billable time
        n0 = self.scale.people
        sales = [n0 + j for j, r in enumerate(self.staff_roles) if r == "Sales"][:1]
        running = [
            e
            for e in self.engagements
            if e.start_day <= self.as_of_n - 28
            and e.due_day >= self.as_of_n
            and e.index not in skip
        ]
        self.hygiene_non_delivery: list[int] = []
        if sales and running:
            person = sales[0]
            e = running[int(rng.integers(len(running)))]
            region = int(self.staff_region[person - n0])
            day = self.as_of_n - 21
            for _ in range(3):
                day = self._working_day(region, None, day)
                if day >= self.as_of_n:
                    break
                for key, value in (
                    ("person", person),
                    ("ws", e.index),
                    ("day", day),
                    ("minutes", 120),
                    ("rate", 15_000),
                ):
                    rows[key].append(value)
                day += 2
            self.hygiene_non_delivery.append(person)
            self.w.insert(
                "kantata",
                "workspace_resources",
                {
                    "id": self.ids("workspace_resources", 1).astype(str),
                    "workspace_id": str(WORKSPACE_ID0 + e.index),
                    "user_id": str(USER_ID0 + person),
                    "role_id": self.role_ids["Sales"],
                    "updated_at": ts_array(np.array([(day - 30) * 86400])),
                },
            )
        # time logged on a workspace after its due date + 30 days
        finished = [
            e
            for e in self.engagements
            if self.as_of_n - 300 <= e.due_day < self.as_of_n - 60
            and e.due_day > self.start_n
            and e.index not in skip
            and e.staff
        ]
        want = 2 + len(self.engagements) // 200
        self.hygiene_late_time_ws: list[int] = []
        for i in rng.permutation(len(finished)):
            if len(self.hygiene_late_time_ws) >= want:
                break
            e = finished[int(i)]
            person = int(e.staff[int(rng.integers(len(e.staff)))])
            day = self._working_day(
                int(self.p_region[person]), person, e.due_day + 31 + int(rng.integers(0, 30))
            )
            if day >= self.as_of_n - 1 or day >= self.p_leave[person]:
                continue
            for key, value in (
                ("person", person),
                ("ws", e.index),
                ("day", day),
                ("minutes", 90),
                ("rate", int(self.p_bill[person])),
            ):
                rows[key].append(value)
            self.hygiene_late_time_ws.append(e.index)
        if not rows["person"]:
            return
        person, ws, day = (np.array(rows[k], dtype="int64") for k in ("person", "ws", "day"))
        n = len(person)
        monday = day - weekday_of(day)
        self._worked_weeks.append(np.unique((person << 40) | (monday << 20) | ws))
        created = day * 86400 + 17 * 3600 + rng.integers(0, 3 * 3600, n)
        self.w.insert(
            "kantata",
            "time_entries",
            {
                "id": self.ids("time_entries", n, 10_000_001).astype(str),
                "user_id": (person + USER_ID0).astype(str),
                "workspace_id": (ws + WORKSPACE_ID0).astype(str),
                "date_performed": date_array(day),
                "time_in_minutes": np.array(rows["minutes"], dtype="int32"),
                "billable": True,
                "rate_in_cents": np.array(rows["rate"], dtype="int64"),
                "notes": "Implementation work",
                "created_at": ts_array(created),
                "updated_at": ts_array(created),
            },
        )

    def _hygiene_allocations(self) -> None:
        """Allocations left on people after they left (DOMAIN.md §11 rule
        allocation_to_departed_person): for 1 + 1 per 250 people whose assignment ended
        with their departure while the engagement went on, two more weeks of allocation
        on their old resource.  Their own rng stream, appended after the others."""
        rng = self.rng("hygiene allocations")
        cut = np.nonzero(
            (self.p_leave[self.a_person] < self.as_of_n)
            & (self.a_end == self.p_leave[self.a_person])
            & (np.array([self.engagements[w].due_day for w in self.a_ws]) > self.a_end + 10)
        )[0]
        want = 1 + self.scale.people // 250
        picked, seen = [], set()
        for a in rng.permutation(cut):
            if int(self.a_person[a]) not in seen and len(picked) < want:
                picked.append(int(a))
                seen.add(int(self.a_person[a]))
        self.hygiene_departed_allocations: list[int] = []  # the people
        cols: dict[str, list] = {k: [] for k in ("a", "s", "e", "m", "upd")}
        for a in picked:
            leave = int(self.a_end[a])
            mon = leave + 7 - weekday_of(leave)
            minutes = int(round(self.a_share[a] * 2400 / 15) * 15)
            for week in range(2):
                start = mon + 7 * week
                for key, value in (
                    ("a", a),
                    ("s", start),
                    ("e", start + 4),
                    ("m", minutes),
                    ("upd", (leave - int(rng.integers(10, 40))) * 86400 + 11 * 3600),
                ):
                    cols[key].append(value)
            self.hygiene_departed_allocations.append(int(self.a_person[a]))
        if not cols["a"]:
            return
        a = np.array(cols["a"], dtype="int64")
        n = len(a)
        self.w.insert(
            "kantata",
            "workspace_allocations",
            {
                "id": self.ids("workspace_allocations", n, 8_000_001).astype(str),
                "resource_id": self.a_resource[a].astype(str),
                "workspace_id": (self.a_ws[a] + WORKSPACE_ID0).astype(str),
                "user_id": (self.a_person[a] + USER_ID0).astype(str),
                "start_date": date_array(np.array(cols["s"])),
                "end_date": date_array(np.array(cols["e"])),
                "minutes": np.array(cols["m"], dtype="int32"),
                "hard": True,
                "updated_at": ts_array(self.clip_ts(np.array(cols["upd"]))),
            },
        )

    def _timesheets(self, rng: np.random.Generator) -> None:
        """One submission per person x week x workspace they logged time on (Kantata's
        timesheet submissions are per workspace).  Mostly approved, a few rejected, the
        last two weeks pending or not yet submitted.  A person's submissions of one week
        mostly share their fate; some weeks one workspace's is approved and another's
        rejected.

        When they come (DOMAIN.md §11, a deadline of Monday 10:00 in the person's region's
        timezone after the week; their own rng stream "timesheet timing"): most between
        Friday 14:00 and Monday 09:30 local (on time); ~7% of person-weeks after the
        deadline (late), and some single workspaces late on an otherwise punctual week;
        ~1.5% of the older person-weeks (two weeks back and more) never submit one of their
        workspaces (missing)."""
        if not self._worked_weeks:
            return
        timing = self.rng("timesheet timing")
        keys = np.unique(np.concatenate(self._worked_weeks))
        person, monday, ws = keys >> 40, (keys >> 20) & (2**20 - 1), keys & (2**20 - 1)
        keep = monday < self.as_of_n
        person, monday, ws = person[keep], monday[keep], ws[keep]
        order = np.lexsort((ws, person, monday))
        person, monday, ws = person[order], monday[order], ws[order]
        n = len(person)
        last_monday = (self.as_of_n - 1) - weekday_of(self.as_of_n - 1)
        age = (last_monday - monday) // 7
        # one draw per person-week, shared by its workspaces unless the workspace draws its own
        week_key = person * 2**20 + monday
        _, week_index = np.unique(week_key, return_inverse=True)
        week_u = rng.random(week_index.max() + 1 if n else 0)
        u = np.where(rng.random(n) < 0.9, week_u[week_index], rng.random(n))
        status = np.where(u < 0.976, "approved", np.where(u < 0.996, "rejected", "pending"))
        status = np.where(
            age == 1, np.where(u < 0.55, "approved", np.where(u < 0.97, "pending", "")), status
        )
        status = np.where(age == 0, np.where(u < 0.3, "pending", ""), status)
        # missing: an older person-week leaves its first workspace unsubmitted
        n_weeks = week_index.max() + 1 if n else 0
        week_missing = timing.random(n_weeks) < 0.015
        first_of_week = np.r_[True, week_index[1:] != week_index[:-1]] if n else np.zeros(0, bool)
        status = np.where(week_missing[week_index] & first_of_week & (age >= 2), "", status)
        week_late = timing.random(n_weeks) < 0.07
        late = week_late[week_index] | (timing.random(n) < 0.02)
        present = status != ""
        person, monday, ws, status, age, late = (
            x[present] for x in (person, monday, ws, status, age, late)
        )
        n = len(person)
        rng.integers(0, 3 * 86400, n)  # the former timing draw: keeps the later draws as they were
        region = np.concatenate([self.p_region, self.staff_region])[person]
        offset = _utc_offsets(region, monday + 7)  # local - UTC at the deadline, seconds
        deadline = (monday + 7) * 86400 + 10 * 3600 - offset
        friday_14 = (monday + 4) * 86400 + 14 * 3600 - offset
        on_time = friday_14 + timing.integers(0, int(67.5 * 3600), n)
        after = deadline + timing.integers(3600, 4 * 86400, n)
        created = np.where(late, after, on_time)
        created = np.where(age == 0, self.as_of_s - rng.integers(3600, 86400, n), created)
        created = self.clip_ts(created)
        self.ts_deadline_s = deadline
        resolved = created + rng.integers(3600, 3 * 86400, n)
        updated = self.clip_ts(np.where(status == "pending", created, resolved), created)
        self.w.insert(
            "kantata",
            "timesheet_submissions",
            {
                "id": self.ids("timesheet_submissions", n, 2_000_001).astype(str),
                "user_id": (person + USER_ID0).astype(str),
                "workspace_id": (ws + WORKSPACE_ID0).astype(str),
                "created_at": ts_array(created),
                "start_date": date_array(monday),
                "end_date": date_array(monday + 6),
                "status": status,
                "updated_at": ts_array(updated),
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


def _utc_offsets(region: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Seconds the region's business timezone is ahead of UTC at 10:00 local of each day."""
    out = np.zeros(len(days), dtype="int64")
    pairs = np.unique(np.stack([region, days]), axis=1) if len(days) else np.zeros((2, 0))
    for r, d in pairs.T:
        tz = ZoneInfo(org.REGIONS[int(r)].timezone)
        local = datetime.combine(from_day_number(int(d)), time(10), tzinfo=tz)
        out[(region == r) & (days == d)] = int(local.utcoffset().total_seconds())
    return out


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
