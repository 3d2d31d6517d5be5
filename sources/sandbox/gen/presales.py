"""Jira: the pre-sales project.

The pre-sales project ``PRESALES`` ("Pre-sales Scoping") holds ``Scoping Request`` issues,
each naming a Salesforce opportunity in the custom field ``Salesforce Opportunity ID``
(``jira_issues.salesforce_opportunity_id``, served as ``customfield_10050``):
Open -> In Scoping (-> Waiting for customer -> In Scoping) -> Scoped -> Done.  They are
drawn from their own rng streams after every other ticket, so adding them changed no
earlier ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sources.sandbox import org
from sources.sandbox.gen.common import (
    T_DONE,
    T_WAITING,
    add_business_hours,
    add_months,
    day_number,
    from_day_number,
    salesforce_id,
    weekday_of,
)
from sources.sandbox.gen.jira import CHANGELOG_COLUMNS, ISSUE_COLUMNS, TOPICS, to_utc

PRESALES_KEY = "PRESALES"
PRESALES_NAME = "Pre-sales Scoping"
PRESALES_ISSUE_TYPE = "Scoping Request"
S_OPEN = ("1", "Open", "new")
S_SCOPING = ("10010", "In Scoping", "indeterminate")
S_SCOPED = ("10011", "Scoped", "indeterminate")
S_WAITING = org.JIRA_STATUSES[T_WAITING]
S_DONE = org.JIRA_STATUSES[T_DONE]
PRESALES_REQUESTS_PER_MONTH = 3.0  # at least; grows with the org (0.06 per person)


class PresalesRequests:
    """A part of the generator (uses its ``w``, ``rng``, ``a_*``, ``p_*``, and the Jira
    part's ``issue_no``, ``history_no``, ``priority_names`` and ``insert_issues``)."""

    def _presales_opportunities(self) -> list[tuple[str, int, int, int]]:
        """(Id, account index, created day, close day) of the live opportunities with a
        Professional Services line, oldest first: what pre-sales is asked to scope."""
        rows = self.w.con.execute(
            """
            SELECT o.Id, o.AccountId, o.CreatedDate, o.CloseDate
            FROM salesforce_opportunity o
            WHERE NOT coalesce(o.IsDeleted, false)
              AND EXISTS (
                  SELECT 1 FROM salesforce_opportunitylineitem li
                  JOIN salesforce_product2 p ON p.Id = li.Product2Id
                  WHERE li.OpportunityId = o.Id AND p.Family = ?)
            ORDER BY o.CreatedDate, o.Id
            """,
            [org.PS_FAMILY],
        ).fetchall()
        account = {a: i for i, a in enumerate(self.a_id)}
        return [
            (oid, account[aid], day_number(created.date()), day_number(close))
            for oid, aid, created, close in rows
            if aid in account
        ]

    def presales_requests(self) -> None:
        """The ``PRESALES`` project: a few scoping requests a month (more in a bigger org),
        each on an open PS opportunity created before it (some later won, some lost, some
        still open); some scoped within hours, some over days, a few never; one (a few at
        larger scales) names an opportunity id that does not exist."""
        rng = self.rng("jira presales")
        self.w.insert(
            "jira",
            "projects",
            {
                "id": [str(10_000 + len(self.engagements) + 1)],
                "key": [PRESALES_KEY],
                "name": [PRESALES_NAME],
                "project_type_key": ["service_desk"],
            },
        )
        self.w.insert(
            "jira",
            "statuses",
            {
                "id": [s[0] for s in (S_OPEN, S_SCOPING, S_SCOPED)],
                "name": [s[1] for s in (S_OPEN, S_SCOPING, S_SCOPED)],
                "category_key": [s[2] for s in (S_OPEN, S_SCOPING, S_SCOPED)],
            },
        )
        opps = self._presales_opportunities()
        used: set[int] = set()
        per_month = max(PRESALES_REQUESTS_PER_MONTH, 0.06 * self.scale.people)
        drafts: list[tuple[int, int]] = []  # (opportunity index, day)
        month = self.start
        while day_number(month) < self.as_of_n:
            nxt = add_months(month, 1)
            m0, m1 = day_number(month), min(day_number(nxt), self.as_of_n) - 1
            pool = [
                k
                for k, (_, _, c_day, close) in enumerate(opps)
                if k not in used and c_day < m1 and close > m0 + 1
            ]
            for _ in range(min(len(pool), 1 + int(rng.poisson(per_month - 1)))):
                k = pool.pop(int(rng.integers(len(pool))))
                _, _, c_day, close = opps[k]
                lo, hi = max(m0, c_day + 1), min(m1, close - 1, self.as_of_n - 1)
                if lo <= hi:
                    used.add(k)
                    drafts.append((k, int(rng.integers(lo, hi + 1))))
            month = nxt
        n_unmatched = min(len(drafts), 1 + self.scale.people // 250)
        unmatched = {int(i) for i in rng.choice(len(drafts), size=n_unmatched, replace=False)}
        leads = np.nonzero(
            np.isin(
                self.p_role, [org.ROLE_INDEX[r] for r in ("Practice Lead", "Engagement Manager")]
            )
        )[0]
        architects = np.nonzero(self.p_role == org.ROLE_INDEX["Solutions Architect"])[0]
        as_of_dt = datetime.fromtimestamp(self.as_of_s, UTC).replace(tzinfo=None)
        requests = []
        for n, (k, day) in enumerate(drafts):
            oid, a, _, _ = opps[k]
            region = int(self.a_region[a])
            if weekday_of(day) >= 5 and rng.random() < 0.9:
                day += 2 if weekday_of(day) == 5 else 1
            hour = float(np.clip(rng.normal(11.5, 2.2), 7.5, 19.0))
            local = datetime.combine(from_day_number(day), datetime.min.time()) + timedelta(
                hours=hour
            )
            tz = ZoneInfo(org.REGIONS[region].timezone)
            created = to_utc(local, tz)
            in_region = architects[self.p_region[architects] == region] if len(architects) else []
            pick_from = in_region if len(in_region) else architects
            assignee = self.j_person[int(rng.choice(pick_from))] if len(pick_from) else None
            reporter = self.j_person[int(rng.choice(leads))] if len(leads) else assignee
            if n in unmatched:  # a typo: a well-formed id that names no opportunity
                oid = salesforce_id("006", 10_000_000 + n)
            path = _presales_path(rng, local)
            steps: list[tuple[datetime, tuple, tuple]] = []
            last = created
            for t_local, frm, to in path:
                t = max(to_utc(t_local, tz), last + timedelta(minutes=1))
                if t >= as_of_dt:
                    break
                steps.append((t, frm, to))
                last = t
            if created < as_of_dt:
                requests.append((created, oid, assignee, reporter, steps, last, a))
        requests.sort(key=lambda r: r[0])
        issues: dict[str, list] = {k: [] for k in [*ISSUE_COLUMNS, "salesforce_opportunity_id"]}
        log_rows: dict[str, list] = {k: [] for k in CHANGELOG_COLUMNS}
        for seq, (created, oid, assignee, reporter, steps, last, a) in enumerate(requests, 1):
            self.issue_no += 1
            issue_id = str(self.issue_no)
            final = steps[-1][2] if steps else S_OPEN
            issues["id"].append(issue_id)
            issues["key"].append(f"{PRESALES_KEY}-{seq}")
            issues["project_key"].append(PRESALES_KEY)
            issues["issue_type"].append(PRESALES_ISSUE_TYPE)
            issues["priority"].append(self.priority_names[2])
            issues["status_id"].append(final[0])
            issues["status_name"].append(final[1])
            issues["status_category_key"].append(final[2])
            topic = TOPICS[int(rng.integers(len(TOPICS)))]
            issues["summary"].append(f"Scope {topic} for {self.a_name[a]}")
            issues["assignee_account_id"].append(assignee if steps else None)
            issues["reporter_account_id"].append(reporter)
            issues["created"].append(created)
            issues["updated"].append(last)
            issues["resolutiondate"].append(last if final == S_DONE else None)
            issues["salesforce_opportunity_id"].append(oid)
            for t, frm, to in steps:
                self.history_no += 1
                log_rows["id"].append(f"{self.history_no}-0")
                log_rows["history_id"].append(str(self.history_no))
                log_rows["issue_id"].append(issue_id)
                log_rows["author_account_id"].append(reporter if frm == S_WAITING else assignee)
                log_rows["created"].append(t)
                log_rows["field"].append("status")
                log_rows["from_id"].append(frm[0])
                log_rows["from_string"].append(frm[1])
                log_rows["to_id"].append(to[0])
                log_rows["to_string"].append(to[1])
        self.insert_issues(issues, log_rows)


def _presales_path(
    rng: np.random.Generator, created: datetime
) -> list[tuple[datetime, tuple, tuple]]:
    """Local times of a scoping request's status changes: Open -> In Scoping (-> Waiting
    for customer -> In Scoping) -> Scoped (within hours, or over days) -> Done; a few stall
    in Open or In Scoping."""
    stall = rng.random()
    if stall < 0.03:
        return []
    t = add_business_hours(created, float(rng.lognormal(np.log(1.0), 0.7)))
    path = [(t, S_OPEN, S_SCOPING)]
    if stall < 0.06:
        return path
    fast = rng.random() < 0.45
    work = float(rng.lognormal(np.log(3.0 if fast else 30.0), 0.5))  # business hours
    if rng.random() < 0.25:
        split = float(rng.uniform(0.2, 0.7))
        t = add_business_hours(t, work * split)
        path.append((t, S_SCOPING, S_WAITING))
        t = t + timedelta(hours=float(rng.lognormal(np.log(30), 0.8)))
        path.append((t, S_WAITING, S_SCOPING))
        work *= 1 - split
    t = add_business_hours(t, work)
    path.append((t, S_SCOPING, S_SCOPED))
    t = add_business_hours(t, float(rng.uniform(4, 60)))
    path.append((t, S_SCOPED, S_DONE))
    return path
