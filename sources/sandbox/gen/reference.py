"""Reference data: roles, custom fields, workweeks, holiday calendars and holidays."""

from __future__ import annotations

import numpy as np

from sources.sandbox import org
from sources.sandbox.gen.common import (
    CALENDAR_ID0,
    CUSTOM_FIELD_ID0,
    ROLE_ID0,
    WORKWEEK_ID0,
    day_number,
    from_day_number,
    salesforce_id,
    ts_array,
)


class ReferenceData:
    """A part of the generator (uses its ``w``, ``rng``, ``ids``, ...)."""

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
