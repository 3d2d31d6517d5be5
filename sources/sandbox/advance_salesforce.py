"""``sandbox advance`` in Salesforce: new opportunities, open ones moving a stage on,
one deleted (with its line items) as the recycle bin shows it."""

from __future__ import annotations

from datetime import timedelta

from sources.sandbox.advance_base import AdvanceBase
from sources.sandbox.generate import salesforce_id

NEW_OPPORTUNITIES_PER_DAY = 1
MOVED_OPPORTUNITIES = 3
NEW_OPPORTUNITY_ID0 = 5_000_000  # salesforce_id numbers of added opportunities start here

_NEXT_STAGE = {  # stage -> (next stage, probability, forecast category)
    "Qualification": ("Proposal", 50.0, "Best Case"),
    "Proposal": ("Negotiation", 80.0, "Commit"),
    "Negotiation": ("Negotiation", 80.0, "Commit"),  # revised amount, not closed here
}


class SalesforceAdvance(AdvanceBase):
    def opportunities(self) -> None:
        open_deals = self.rows(
            "SELECT * FROM salesforce_opportunity WHERE NOT IsClosed AND NOT IsDeleted ORDER BY Id"
        )
        number = (
            NEW_OPPORTUNITY_ID0
            + self.con.execute("SELECT count(*) FROM salesforce_opportunity").fetchall()[0][0]
        )
        new = []
        for day in self.days:
            for template in self.pick(open_deals, NEW_OPPORTUNITIES_PER_DAY, "Id"):
                number += 1
                stamp = self.moment(day)
                deal = dict(template)
                deal.update(
                    Id=salesforce_id("006", number),
                    Name=f"{template['Name']} - expansion",
                    StageName="Qualification",
                    Probability=20.0,
                    ForecastCategoryName="Pipeline",
                    Amount=float(round(self.rng.uniform(40_000, 400_000), 2)),
                    CloseDate=day + timedelta(days=int(self.rng.integers(60, 150))),
                    Type="Existing Business",
                    CreatedDate=stamp,
                    SystemModstamp=stamp,
                )
                new.append(deal)
        self.insert("salesforce_opportunity", new)
        chosen = self.pick(open_deals, MOVED_OPPORTUNITIES + 1, "Id")
        moved, deleted = chosen[:MOVED_OPPORTUNITIES], chosen[MOVED_OPPORTUNITIES:]
        for deal in moved:
            stage, probability, category = _NEXT_STAGE[deal["StageName"]]
            amount = round((deal["Amount"] or 0.0) * 1.05, 2)
            self.sql(
                "UPDATE salesforce_opportunity SET StageName = ?, Probability = ?, "
                "ForecastCategoryName = ?, Amount = ?, SystemModstamp = ? WHERE Id = ?",
                [stage, probability, category, amount, self.any_moment(), deal["Id"]],
            )
        items = 0
        for deal in deleted:
            at = self.any_moment()
            self.sql(
                "UPDATE salesforce_opportunity SET IsDeleted = true, SystemModstamp = ? "
                "WHERE Id = ?",
                [at, deal["Id"]],
            )
            items += self.sql(
                "UPDATE salesforce_opportunitylineitem SET IsDeleted = true, SystemModstamp = ? "
                "WHERE OpportunityId = ? AND NOT IsDeleted",
                [at, deal["Id"]],
            )[0][0]
        self.count("salesforce_opportunity", len(new), len(moved), len(deleted))
        self.count("salesforce_opportunitylineitem", deleted=items)
