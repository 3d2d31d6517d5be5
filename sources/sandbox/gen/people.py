"""People: Kantata users with memberships, managers and custom fields, and the
Salesforce users."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.sandbox import org
from sources.sandbox.gen.common import (
    CALENDAR_ID0,
    MEMBERSHIP_ID0,
    NEVER,
    ROLE_ID0,
    USER_ID0,
    WORKWEEK_ID0,
    date_array,
    from_day_number,
    normalized,
    salesforce_id,
    ts_array,
)


class People:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...)."""

    def people(self) -> None:
        rng = self.rng("people")
        n = self.scale.people
        role = rng.choice(
            len(org.ROLES), size=n, p=normalized([r.share_of_staff for r in org.ROLES])
        )
        role[0] = org.ROLE_INDEX["Practice Lead"]  # the head of PS
        team = rng.choice(len(org.TEAMS), size=n, p=normalized(org.TEAM_WEIGHTS))
        region = rng.choice(len(org.REGIONS), size=n, p=normalized([r.share for r in org.REGIONS]))
        ww1 = rng.choice(len(org.WORKWEEKS), size=n, p=normalized([w[2] for w in org.WORKWEEKS]))
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
        no_team, no_workweek, no_calendar = self._hygiene_people()
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
        # the planted hygiene cases (DOMAIN.md §11): a Team never filled in
        keep = [
            not (name == "Team" and int(sid) - USER_ID0 in no_team)
            for sid, name in zip(values["subject_id"], values["custom_field_name"], strict=True)
        ]
        values = {k: [x for x, ok in zip(v, keep, strict=True) if ok] for k, v in values.items()}
        self._custom_values("User", values, np.repeat(created_s, 3)[np.array(keep)])

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
        ww_frame = pd.DataFrame({**ww_rows, "updated_at": upd})
        no_ww_users = [self.p_user_id[i] for i in no_workweek]
        self.w.insert(
            "kantata", "workweek_memberships", ww_frame[~ww_frame["user_id"].isin(no_ww_users)]
        )
        calendars = pd.DataFrame(
            {
                "id": [str(i) for i in self.ids("holiday_calendar_memberships", n, 801)],
                "holiday_calendar_id": [str(CALENDAR_ID0 + r) for r in region],
                "user_id": self.p_user_id,
                "start_date": date_array(hire),
                "end_date": pd.array([pd.NaT] * n, dtype="datetime64[s]"),
                "updated_at": ts_array(created_s),
            }
        )
        self.w.insert(
            "kantata",
            "holiday_calendar_memberships",
            calendars.drop(index=sorted(no_calendar)),
        )
        self.account_staff()

    def _hygiene_people(self) -> tuple[set[int], set[int], set[int]]:
        """Active delivery people (hired before the history) whose admin data is
        incomplete (DOMAIN.md §11 rule person_missing_org_data): one without a Team, one
        without a workweek membership, one without a holiday calendar (one more of each
        per 500 people).  They work as everyone else; only the records are missing.  Their
        own rng stream: the other draws stay as they were."""
        rng = self.rng("hygiene people")
        delivery = np.isin(self.p_role, [org.ROLE_INDEX[r] for r in org.DELIVERY_ROLES])
        pool = np.nonzero(
            delivery
            & (self.p_leave >= NEVER)
            & (self.p_hire < self.start_n)
            & (self.p_switch >= NEVER)
        )[0]
        each = 1 + self.scale.people // 500
        picked = [int(i) for i in rng.choice(pool, size=min(len(pool), 3 * each), replace=False)]
        self.hygiene_no_team = set(picked[:each])
        self.hygiene_no_workweek = set(picked[each : 2 * each])
        self.hygiene_no_calendar = set(picked[2 * each :])
        return self.hygiene_no_team, self.hygiene_no_workweek, self.hygiene_no_calendar

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
        """Custom field values by field name and value text; a choice field's value is
        written as its choice id, as Kantata holds it."""
        n = len(values["value"])
        stamps = ts_array(self.clip_ts(updated_s))
        self.w.insert(
            "kantata",
            "custom_field_values",
            {
                "id": [str(i) for i in self.ids("custom_field_values", n, 900_001)],
                "subject_type": subject_type,
                "subject_id": values["subject_id"],
                "custom_field_id": [self.custom_field_ids[c] for c in values["custom_field_name"]],
                "value": [
                    self.choice_ids.get(pair, pair[1])
                    for pair in zip(values["custom_field_name"], values["value"], strict=True)
                ],
                "created_at": stamps,
                "updated_at": stamps,
            },
        )

    def account_staff(self) -> None:
        """A few people on the Kantata account outside delivery (org.ACCOUNT_STAFF, cycled):
        a role-less administrator, an account administrator, sales.  They have users,
        memberships, custom fields, a workweek and a holiday calendar like everyone, no
        staffing and no time entries."""
        rng = self.rng("account staff")
        n0, k = self.scale.people, 3 + self.scale.people // 250
        staff = [org.ACCOUNT_STAFF[j % len(org.ACCOUNT_STAFF)] for j in range(k)]
        region = rng.choice(len(org.REGIONS), size=k, p=normalized([r.share for r in org.REGIONS]))
        hire = self.start_n - rng.integers(60, 2000, size=k)
        firsts, lasts = rng.choice(org.FIRST_NAMES, size=k), rng.choice(org.LAST_NAMES, size=k)
        user_ids = [str(USER_ID0 + n0 + j) for j in range(k)]
        created_s = (hire - 7) * 86400 + 10 * 3600
        self.staff_names = [f"{f} {la}" for f, la in zip(firsts, lasts, strict=True)]
        self.staff_emails = [
            self.unique_email(f, la, "psops.example") for f, la in zip(firsts, lasts, strict=True)
        ]
        self.staff_created_s = created_s
        self.staff_region = region
        self.staff_roles = [r for r, _, _ in staff]
        self.w.insert(
            "kantata",
            "users",
            {
                "id": user_ids,
                "full_name": self.staff_names,
                "email_address": self.staff_emails,
                "headline": [headline for _, headline, _ in staff],
                "created_at": ts_array(created_s),
                "updated_at": ts_array(created_s),
            },
        )
        self.w.insert(
            "kantata",
            "account_memberships",
            {
                "id": [str(MEMBERSHIP_ID0 + n0 + j) for j in range(k)],
                "user_id": user_ids,
                "default_role_id": [None if r is None else self.role_ids[r] for r, _, _ in staff],
                "billability_target": pd.array([None] * k, dtype="Float64"),
                "bill_rate_in_cents": pd.array([None] * k, dtype="Int64"),
                "cost_rate_in_cents": pd.array([None] * k, dtype="Int64"),
                "manager_id": None,
                "disabled_at": pd.array([pd.NaT] * k, dtype="datetime64[s]"),
                "updated_at": ts_array(created_s),
            },
        )
        values: dict[str, list] = {"subject_id": [], "custom_field_name": [], "value": []}
        for j in range(k):
            for name, value in (
                ("Region", org.REGIONS[region[j]].code),
                ("Team", staff[j][2]),
                ("Hire Date", from_day_number(hire[j]).isoformat()),
            ):
                values["subject_id"].append(user_ids[j])
                values["custom_field_name"].append(name)
                values["value"].append(value)
        self._custom_values("User", values, np.repeat(created_s, 3))
        self.w.insert(
            "kantata",
            "workweek_memberships",
            {
                "id": [str(i) for i in self.ids("workweek_memberships", k)],
                "workweek_id": str(WORKWEEK_ID0),
                "user_id": user_ids,
                "start_date": date_array(hire),
                "end_date": pd.array([pd.NaT] * k, dtype="datetime64[s]"),
                "updated_at": ts_array(created_s),
            },
        )
        self.w.insert(
            "kantata",
            "holiday_calendar_memberships",
            {
                "id": [str(i) for i in self.ids("holiday_calendar_memberships", k)],
                "holiday_calendar_id": [str(CALENDAR_ID0 + r) for r in region],
                "user_id": user_ids,
                "start_date": date_array(hire),
                "end_date": pd.array([pd.NaT] * k, dtype="datetime64[s]"),
                "updated_at": ts_array(created_s),
            },
        )

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
            },
        )
        # the account staff (admins, sales) have Salesforce users too
        k = len(self.staff_names)
        self.w.insert(
            "salesforce",
            "user",
            {
                "Id": [salesforce_id("005", n + reps + j) for j in range(k)],
                "Name": self.staff_names,
                "Email": self.staff_emails,
                "IsActive": True,
                "CreatedDate": ts_array(self.staff_created_s),
                "SystemModstamp": ts_array(self.staff_created_s),
            },
        )
