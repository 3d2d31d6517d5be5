"""Jira: the site's priorities, users, service projects' tickets and their status
changelogs.

A Jira site names its own priorities: the generator builds either Jira Cloud's default
scheme (``Highest``..``Lowest``, ids 1-5, the default) or a site that renamed them
``P1``..``P4`` (``jira_priorities="p1-p4"``).  The scheme lands in ``jira_priorities``
(what ``/rest/api/3/priority/search`` serves) and every ticket carries one of its names;
tickets use the first four (most urgent first); on the default scheme a few tickets also
carry ``Lowest``, which no SLA policy covers (an admin-hygiene finding)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sources.sandbox import org
from sources.sandbox.gen.common import (
    INTERNAL_TICKETS_PER_PERSON_MONTH,
    NEVER,
    T_DONE,
    T_PROGRESS,
    T_REOPENED,
    T_TODO,
    T_WAITING,
    TICKETS_PER_ENGAGEMENT_MONTH,
    add_business_hours,
    add_months,
    day_number,
    from_day_number,
    weekday_of,
)

# scheme -> (id, name, description, statusColor), most urgent first.  The default scheme is
# Jira Cloud's own (names, ids, descriptions and colours of a new site).
PRIORITY_SCHEMES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "default": (
        ("1", "Highest", "This problem will block progress.", "#d04437"),
        ("2", "High", "Serious problem that could block progress.", "#f15C75"),
        ("3", "Medium", "Has the potential to affect progress.", "#f79232"),
        ("4", "Low", "Minor problem or easily worked around.", "#707070"),
        ("5", "Lowest", "Trivial problem with little or no impact on progress.", "#999999"),
    ),
    "p1-p4": (
        ("10000", "P1", "Critical: production payments are down.", "#d04437"),
        ("10001", "P2", "Major: a key flow is impaired.", "#f15C75"),
        ("10002", "P3", "Moderate: a workaround exists.", "#f79232"),
        ("10003", "P4", "Minor: cosmetic or a question.", "#707070"),
    ),
}
DEFAULT_PRIORITY_SCHEME = "default"
LOWEST = 4  # index of "Lowest" in the default scheme: no SLA policy covers it


# the pre-sales project and its workflow: (id, name, category key); Done and Waiting for
# customer are the site's existing statuses (org.JIRA_STATUSES)
class JiraTickets:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...)."""

    jira_priority_scheme: str = DEFAULT_PRIORITY_SCHEME

    def jira_priorities(self) -> list[str]:
        """Write the site's priorities; their names, most urgent first."""
        scheme = PRIORITY_SCHEMES[self.jira_priority_scheme]
        self.w.insert(
            "jira",
            "priorities",
            {
                "id": [p[0] for p in scheme],
                "name": [p[1] for p in scheme],
                "description": [p[2] for p in scheme],
                "status_color": [p[3] for p in scheme],
            },
        )
        return [p[1] for p in scheme]

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
        self.priority_names = self.jira_priorities()
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
        self._lowest_priority_tickets()

    def _lowest_priority_tickets(self) -> None:
        """A few client tickets at ``Lowest`` (default scheme only: P1..P4 has no fifth)."""
        if self.jira_priority_scheme != DEFAULT_PRIORITY_SCHEME or not self.engagements:
            return
        rng = self.rng("jira lowest priority")
        specs: list[tuple] = []
        for _ in range(2 + self.scale.people // 100):
            w = int(rng.integers(len(self.engagements)))
            e = self.engagements[w]
            lo = max(e.start_day, self.start_n)
            hi = min(e.due_day + 14, self.as_of_n - 2)
            if lo <= hi:
                specs.append(("client", w, int(rng.integers(lo, hi + 1))))
        self._issues(rng, specs, priority=LOWEST)

    def _issues(
        self, rng: np.random.Generator, specs: list[tuple], priority: int | None = None
    ) -> None:
        """Write the tickets of ``specs`` (kind, engagement or person, day) with their
        changelogs; ``priority`` (an index) fixes every ticket's priority."""
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
            if priority is not None:
                prio = priority
            hour = float(np.clip(rng.normal(12.5, 2.4), 8.0, 18.5))
            local = datetime.combine(from_day_number(day), datetime.min.time()) + timedelta(
                hours=hour
            )
            tz = ZoneInfo(org.REGIONS[region].timezone)
            created = to_utc(local, tz)
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
            path = _issue_path(rng, local, min(prio, 3))
            steps: list[tuple[datetime, int, int]] = []
            last = created
            for t_local, frm, to in path:
                t = max(to_utc(t_local, tz), last + timedelta(minutes=1))
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
            issues["priority"].append(self.priority_names[prio])
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
        self.insert_issues(issues, log_rows)

    def insert_issues(self, issues: dict[str, list], log_rows: dict[str, list]) -> None:
        """Land issue rows and their changelog rows (timestamps at second precision)."""
        for table, rows in (("issues", issues), ("issue_changelog", log_rows)):
            df = pd.DataFrame(rows)
            for col in ("created", "updated", "resolutiondate"):
                if col in df:
                    df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")
            self.w.insert("jira", table, df)


ISSUE_COLUMNS = (
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
CHANGELOG_COLUMNS = (
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


TOPICS = (
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
    return f"{_PREFIX[issue_type]} {TOPICS[int(rng.integers(len(TOPICS)))]}"


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None, microsecond=0)
