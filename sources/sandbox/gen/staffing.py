"""Staffing: Kantata workspaces for won engagements, the greedy scheduler that puts
people on them, and the time off plan."""

from __future__ import annotations

import heapq
import logging
import re
from datetime import date

import numpy as np
import pandas as pd

from sources.sandbox import org
from sources.sandbox.gen.common import (
    ROLE_ID0,
    USER_ID0,
    WORKSPACE_ID0,
    day_number,
    from_day_number,
    normalized,
    salesforce_id,
    ts_array,
    weekday_of,
)

log = logging.getLogger(__name__)


class Staffing:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...)."""

    def workspaces(self) -> None:
        rng = self.rng("workspaces")
        keys: set[str] = {org.INTERNAL_PROJECT_KEY}
        rows: dict[str, list] = {
            k: []
            for k in (
                "title",
                "status_key",
                "status_message",
                "status_color",
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
        # a few engagements are on hold, a few ended cancelled (their own stream, so the
        # other draws stay as they were)
        status_draw = self.rng("workspace status").random(len(self.engagements))
        no_opportunity, unmatched = self._hygiene_workspaces()
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
            if done:
                status = "Cancelled" if status_draw[e.index] < 0.04 else "Completed"
            else:
                status = "On Hold" if status_draw[e.index] < 0.05 else "Active"
            _append_status(rows, status)
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
            opportunity_id = self.o_id[e.opportunity]
            if e.index in unmatched:  # a typo: an id of no opportunity (DOMAIN.md §11)
                opportunity_id = salesforce_id("006", 10**7 + e.index)
            for name, value in (
                ("Salesforce Opportunity ID", opportunity_id),
                ("Jira Project Key", e.key),
                ("Engagement Type", "Client"),
            ):
                if name == "Salesforce Opportunity ID" and e.index in no_opportunity:
                    continue  # never filled in (DOMAIN.md §11)
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
            _append_status(rows, "Active")
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
        self._delivery_model(np.array(created[: len(self.engagements)], dtype="int64"))
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

    def _hygiene_workspaces(self) -> tuple[set[int], set[int]]:
        """Client engagements (running at as_of) whose workspace lacks its Salesforce
        Opportunity ID, and those whose id matches no opportunity (DOMAIN.md §11 rules
        workspace_without_opportunity, workspace_opportunity_unmatched).  Their own rng
        stream: nothing else moves."""
        rng = self.rng("hygiene workspaces")
        running = [
            e.index
            for e in self.engagements
            if e.start_day <= self.as_of_n - 14 and e.due_day >= self.as_of_n + 14
        ]
        n_missing = 2 + len(self.engagements) // 200
        n_unmatched = 1 + len(self.engagements) // 400
        picked = rng.choice(running, size=min(len(running), n_missing + n_unmatched), replace=False)
        self.hygiene_no_opportunity = {int(i) for i in picked[:n_missing]}
        self.hygiene_unmatched_opportunity = {int(i) for i in picked[n_missing:]}
        return self.hygiene_no_opportunity, self.hygiene_unmatched_opportunity

    def _delivery_model(self, created_s: np.ndarray) -> None:
        """Workspace custom fields Delivery Model (choice) and Delivery Partner (text) on the
        client workspaces (DOMAIN.md §9): ~75% Direct (about half of them with the field
        left empty), ~13% Partner-led, ~12% Co-delivery, each partner-run one naming its
        firm.  Their own rng stream, appended after the other custom field values."""
        rng = self.rng("delivery model")
        n = len(self.engagements)
        model = rng.choice(
            len(org.DELIVERY_MODELS), size=n, p=normalized(org.DELIVERY_MODEL_SHARES)
        )
        empty = rng.random(n) < 0.5
        partner = rng.choice(len(org.DELIVERY_PARTNERS), size=n)
        self.ws_delivery_model = [org.DELIVERY_MODELS[m] for m in model]
        self.ws_delivery_partner = [
            org.DELIVERY_PARTNERS[p] if m > 0 else None for m, p in zip(model, partner, strict=True)
        ]
        cfv: dict[str, list] = {"subject_id": [], "custom_field_name": [], "value": []}
        upd: list[int] = []
        for i in range(n):
            pairs = []
            if model[i] > 0 or not empty[i]:
                pairs.append(("Delivery Model", self.ws_delivery_model[i]))
            if self.ws_delivery_partner[i] is not None:
                pairs.append(("Delivery Partner", self.ws_delivery_partner[i]))
            for name, value in pairs:
                cfv["subject_id"].append(str(WORKSPACE_ID0 + i))
                cfv["custom_field_name"].append(name)
                cfv["value"].append(value)
                upd.append(int(created_s[i]))
        self._custom_values("Workspace", cfv, np.array(upd, dtype="int64"))

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

    def time_off_plan(self) -> None:
        """Vacation blocks (summer and December peaks), sick days and half days."""
        rng = self.rng("time off")
        month_weight = normalized([0.6, 0.6, 0.8, 0.9, 0.9, 1.2, 1.8, 2.2, 0.8, 0.8, 0.7, 1.9])
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


def _append_status(rows: dict[str, list], message: str) -> None:
    """Kantata's status object {key, message, color}, one column each."""
    key, color = org.WORKSPACE_STATUSES[message]
    rows["status_key"].append(key)
    rows["status_message"].append(message)
    rows["status_color"].append(color)


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
