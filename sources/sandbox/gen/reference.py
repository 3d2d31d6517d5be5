"""Reference data: roles, custom fields, workweeks, holiday calendars and holidays."""

from __future__ import annotations

import numpy as np

from sources.sandbox import org
from sources.sandbox.gen.common import (
    CALENDAR_ID0,
    CUSTOM_FIELD_CHOICE_ID0,
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
        role_names = [r.name for r in org.ROLES] + list(org.NON_DELIVERY_ROLES)
        self.role_ids = {name: str(ROLE_ID0 + i) for i, name in enumerate(role_names)}
        self.w.insert(
            "kantata",
            "roles",
            {
                # delivery roles, then the account's non-delivery roles
                "id": [str(ROLE_ID0 + i) for i in range(len(role_names))],
                "name": role_names,
                "updated_at": ref_ts,
            },
        )
        # value_type per Kantata: string, date, number, currency, single, multi; a single /
        # multi choice field's value holds choice ids, named by custom_field_choices
        # (openapi/mavenlink-custom-fields-api-openapi.yml in api-evangelist/mavenlink)
        fields = [
            ("Region", "User", "single"),
            ("Team", "User", "string"),
            ("Hire Date", "User", "date"),
            ("Salesforce Opportunity ID", "Workspace", "string"),
            ("Jira Project Key", "Workspace", "string"),
            ("Engagement Type", "Workspace", "single"),
            ("Delivery Model", "Workspace", "single"),
            ("Delivery Partner", "Workspace", "string"),
        ]
        self.custom_field_ids = {
            name: str(CUSTOM_FIELD_ID0 + i) for i, (name, _, _) in enumerate(fields)
        }
        choices = (
            [("Region", r.code) for r in org.REGIONS]
            + [("Engagement Type", label) for label in ("Client", "Internal")]
            + [("Delivery Model", label) for label in org.DELIVERY_MODELS]
        )
        # (field name, label) -> choice id
        self.choice_ids = {
            choice: str(CUSTOM_FIELD_CHOICE_ID0 + i) for i, choice in enumerate(choices)
        }
        self.w.insert(
            "kantata",
            "custom_field_choices",
            {
                "id": list(self.choice_ids.values()),
                "custom_field_id": [self.custom_field_ids[f] for f, _ in choices],
                "label": [label for _, label in choices],
                "created_at": ref_ts,
                "updated_at": ref_ts,
            },
        )
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
        # one holiday row per occasion, shared by the calendars that hold it on the same
        # days (New Year's Day in all three), tied to them by holiday_calendar_associations
        self.holiday_days: list[set[int]] = []
        holiday_index: dict[tuple, int] = {}
        links: list[tuple[int, int]] = []  # (holiday index, calendar index)
        for i, region in enumerate(org.REGIONS):
            days: set[int] = set()
            for start, end, name in org.region_holiday_spans(region.code, first_year, last_year):
                index = holiday_index.setdefault((start, end, name), len(holiday_index))
                links.append((index, i))
                days.update(range(day_number(start), day_number(end) + 1))
            self.holiday_days.append(days)
        spans = sorted(holiday_index, key=holiday_index.__getitem__)
        holiday_ids = [str(i) for i in self.ids("holidays", len(spans), 601)]
        self.w.insert(
            "kantata",
            "holidays",
            {
                "id": holiday_ids,
                "name": [name for _, _, name in spans],
                "start_date": [start for start, _, _ in spans],
                "end_date": [end for _, end, _ in spans],
                "paid": True,
                "created_at": ref_ts,
                "updated_at": ref_ts,
            },
        )
        links.sort(key=lambda link: (link[1], link[0]))
        self.w.insert(
            "kantata",
            "holiday_calendar_associations",
            {
                "id": [str(i) for i in self.ids("holiday_calendar_associations", len(links), 2601)],
                "holiday_id": [holiday_ids[h] for h, _ in links],
                "holiday_calendar_id": [str(CALENDAR_ID0 + c) for _, c in links],
                "created_at": ref_ts,
                "updated_at": ref_ts,
            },
        )

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
