"""Sales: accounts, opportunities and their line items in Salesforce."""

from __future__ import annotations

import logging
import re

import numpy as np

from sources.sandbox import org
from sources.sandbox.gen.common import (
    PS_ATTACH_RATE,
    PS_ENGAGEMENTS_PER_PERSON_MONTH,
    WIN_RATE,
    Engagement,
    add_months,
    day_number,
    from_day_number,
    normalized,
    salesforce_id,
    ts_array,
    weekday_of,
)
from sources.sandbox.salesforce_org import SalesforceOrg

log = logging.getLogger(__name__)


class Sales:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...).

    ``salesforce_org`` says which org the sandbox plays: only a multi-currency org has
    ``CurrencyIsoCode`` (every deal in the corporate currency, USD); elsewhere the column
    stays NULL, as the server never serves it."""

    salesforce_org: SalesforceOrg = SalesforceOrg()

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
            len(org.REGIONS), size=n, p=normalized([r.share for r in org.REGIONS])
        )
        segs = [s for s, _ in org.SEGMENTS]
        self.a_segment = rng.choice(len(segs), size=n, p=normalized([w for _, w in org.SEGMENTS]))
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

    def _won_without_workspace(
        self, opp: dict[str, list], items: dict[str, list], pid: dict[str, int], seen: set[int]
    ) -> None:
        """Closed-won opportunities with a PS line that never got a Kantata workspace,
        appended after the others (their own rng stream, so nothing else moves): one per
        300 accounts (at least one) closed 45-120 days before as_of (DOMAIN.md §11 rule
        won_opportunity_without_workspace), and one closed 5-20 days before, still inside
        the 30 days PS Ops allows to open the workspace (no finding yet)."""
        rng = self.rng("hygiene opportunities")
        n_old = 1 + self.scale.accounts // 300
        ages = [int(rng.integers(45, 121)) for _ in range(n_old)] + [int(rng.integers(5, 21))]
        self.hygiene_won_without_workspace: list[str] = []
        for age in ages:
            close = self.as_of_n - age
            a = int(rng.integers(len(self.a_id)))
            team = int(rng.integers(len(org.TEAMS)))
            _, _, hours, price = self._plan(rng, int(self.a_region[a]), team)
            days_ = max(1, round(hours / 8))
            unit = round(price / 100 / days_, 2)
            k = len(opp["Id"])
            oid = salesforce_id("006", k)
            created_s = (close - int(rng.integers(30, 120))) * 86400 + 11 * 3600
            prob, category = org.STAGES["Closed Won"]
            for key, value in (
                ("Id", oid),
                ("Name", f"{self.a_name[a]} - PS - Implementation {from_day_number(close).year}"),
                ("AccountId", self.a_id[a]),
                ("OwnerId", self.rep_ids[self.a_owner[a]]),
                ("StageName", "Closed Won"),
                ("Probability", float(prob)),
                ("Amount", round(days_ * unit, 2)),
                ("CloseDate", from_day_number(close)),
                ("ForecastCategoryName", category),
                ("IsClosed", True),
                ("IsWon", True),
                ("Type", "Existing Business" if a in seen else "New Business"),
                ("created", created_s),
                ("modstamp", close * 86400 + 15 * 3600),
                ("IsDeleted", False),
            ):
                opp[key].append(value)
            seen.add(a)
            for key, value in (
                ("OpportunityId", oid),
                ("Product2Id", self.product_ids[pid["PS - Implementation"]]),
                ("Quantity", float(days_)),
                ("UnitPrice", unit),
                ("TotalPrice", round(days_ * unit, 2)),
                ("opp", k),
            ):
                items[key].append(value)
            if age > 30:
                self.hygiene_won_without_workspace.append(oid)

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
                team = int(rng.choice(len(org.TEAMS), p=normalized(org.TEAM_WEIGHTS)))
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
        self._won_without_workspace(opp, items, pid, seen_accounts)
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
                "CurrencyIsoCode": "USD" if self.salesforce_org.multi_currency else None,
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
