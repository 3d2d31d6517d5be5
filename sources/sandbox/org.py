"""Reference data of the synthetic PS organisation: roles, teams, regions, workweeks,
names, products, sales stages and each region's public holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Role:
    name: str
    share_of_staff: float  # share of headcount
    billability_target: int  # percent, the role's default target
    bill_rate_cents: int  # USD per hour, AMER
    max_load: float  # most of a person's week allocated to client work
    engagement_share: tuple[float, ...]  # share of the week per engagement (one is drawn)


ROLES: tuple[Role, ...] = (
    Role("Consultant", 0.28, 80, 18_000, 1.0, (0.4, 0.5, 0.6, 0.8)),
    Role("Senior Consultant", 0.20, 75, 22_000, 0.95, (0.4, 0.5, 0.6, 0.8)),
    Role("Technical Consultant", 0.15, 80, 20_000, 1.0, (0.4, 0.5, 0.6, 0.8)),
    Role("Solutions Architect", 0.10, 65, 26_000, 0.8, (0.25, 0.35, 0.5)),
    Role("Project Manager", 0.13, 60, 19_000, 0.8, (0.2, 0.25, 0.3)),
    Role("Engagement Manager", 0.08, 35, 24_000, 0.45, (0.1, 0.15)),
    Role("Practice Lead", 0.06, 20, 28_000, 0.3, (0.1, 0.15)),
)
ROLE_INDEX = {role.name: i for i, role in enumerate(ROLES)}
DELIVERY_ROLES = ("Consultant", "Senior Consultant", "Technical Consultant")

# People on the Kantata account who are not in delivery (admins, sales): their account
# membership has no default role or one of these roles, which the seed utilization_targets
# does not list, so they stay out of the utilization population (DOMAIN.md §2).  They log
# no billable time, except the planted hygiene case (DOMAIN.md §11: the "Sales" person logs
# a few billable hours, gen/activity.py).  (role name or None for a role-less admin,
# headline, team)
NON_DELIVERY_ROLES = ("Account Administrator", "Sales")
ACCOUNT_STAFF: tuple[tuple[str | None, str, str], ...] = (
    (None, "Kantata Administrator", "PS Operations"),
    ("Account Administrator", "PS Operations Analyst", "PS Operations"),
    ("Sales", "Account Executive", "Sales"),
)

# Kantata project statuses: workspace.status is an object {color, key, message}
# (openapi/mavenlink-workspaces-api-openapi.yml in api-evangelist/mavenlink, e.g. key '501',
# message 'Cancelled', color 'red').  The keys follow the colour bands of Kantata's Project
# Status List (knowledge.kantata.com/hc/en-us/articles/115005042433): gray = not started,
# green = in progress, yellow = in progress with a pending action, red = blocked or ended,
# blue = finished.  message -> (key, color)
WORKSPACE_STATUSES: dict[str, tuple[str, str]] = {
    "Active": ("310", "green"),
    "On Hold": ("410", "yellow"),
    "Cancelled": ("501", "red"),
    "Completed": ("600", "blue"),
}

TEAMS: tuple[str, ...] = (
    "Payments Integration",
    "Risk & Fraud",
    "Platform Migration",
    "Customer Success Engineering",
)
TEAM_WEIGHTS = (0.35, 0.2, 0.25, 0.2)


@dataclass(frozen=True)
class Region:
    code: str
    timezone: str
    calendar: str  # the Kantata holiday calendar's name
    share: float
    rate_factor: float


REGIONS: tuple[Region, ...] = (
    Region("AMER", "America/New_York", "US Holidays", 0.5, 1.0),
    Region("EMEA", "Europe/Dublin", "Ireland Holidays", 0.32, 0.95),
    Region("APAC", "Asia/Singapore", "Singapore Holidays", 0.18, 0.85),
)

# (title, minutes Sunday..Saturday, share of staff)
WORKWEEKS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("Standard 40h (Mon-Fri)", (0, 480, 480, 480, 480, 480, 0), 0.86),
    ("Part-time 32h (Mon-Thu)", (0, 480, 480, 480, 480, 0, 0), 0.07),
    ("Part-time 30h (Mon-Fri 6h)", (0, 360, 360, 360, 360, 360, 0), 0.04),
    ("Part-time 20h (Mon-Fri 4h)", (0, 240, 240, 240, 240, 240, 0), 0.03),
)

FIRST_NAMES = (
    "Aisha Alex Amelia Ana Andrew Anika Ben Bianca Carlos Chen Chloe Daniel David Deepa Diego "
    "Elena Emily Emma Ethan Fatima Felix Fiona Gabriel Grace Hana Hannah Hiro Isaac Isabel Ivan "
    "Jack James Jia Joao John Jonas Julia Kai Karen Kenji Laura Leo Liam Lina Lucas Maria Mark "
    "Maya Mei Michael Mohammed Nadia Naomi Nathan Nia Noah Olivia Omar Oscar Owen Paul Priya "
    "Rahul Raj Rosa Ruth Ryan Sam Sara Sean Sofia Sophie Tariq Thomas Tom Uma Victor Wei William "
    "Xin Yara Yusuf Zara Zoe Aoife Ciaran Niamh Siobhan Darragh Ravi Sanjay Li Ming Anders"
).split()
LAST_NAMES = (
    "Adams Ahmed Alvarez Anderson Bauer Brennan Brown Byrne Campbell Chan Chen Clarke Costa Cruz "
    "Das Davies Diaz Doyle Dubois Evans Fischer Flores Garcia Gomez Gupta Hall Hansen Harris Ho "
    "Huang Hughes Ito Jackson Jensen Johnson Jones Kaur Kelly Khan Kim Kowalski Kumar Lam Larsen "
    "Lee Lewis Li Lim Lopez Martin Martinez Moreau Murphy Murray Nakamura Nguyen Novak O'Brien "
    "O'Connor Patel Perez Petrov Quinn Ramos Reddy Reyes Ricci Roberts Rossi Ryan Sato Schmidt "
    "Shah Silva Singh Smith Suzuki Tan Taylor Thomas Tran Walsh Wang Weber Williams Wilson Wong "
    "Wright Wu Yamamoto Yang Young Zhang Zhou Okafor Mensah Haddad Novotny"
).split()

COMPANY_FIRST = (
    "Acme Northwind Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli "
    "Vandelay Pied Aperture Oceanic Massive Gringotts Contoso Fabrikam Tailspin Litware Adatum "
    "Proseware Wingtip Lucerne Fourth Alpine Bluebird Copper Delta Ember Falcon Granite Harbor "
    "Indigo Juniper Kestrel Lumen Meridian Nimbus Orbit Pinnacle Quartz Redwood Summit Tidal "
    "Vertex Willow Zenith Atlas Beacon Cobalt Drift Evergreen Fjord Glacier Horizon"
).split()
COMPANY_SECOND = (
    "Retail Bank Pay Commerce Travel Foods Logistics Health Gaming Energy Telecom Insurance "
    "Markets Airlines Media Motors Capital Brands Marketplace Mobility"
).split()
INDUSTRIES = (
    "Retail",
    "Banking",
    "Travel",
    "Technology",
    "Healthcare",
    "Gaming",
    "Telecommunications",
    "Insurance",
    "Hospitality",
    "Media",
)
SEGMENTS = (("Enterprise", 0.3), ("Digital Native", 0.35), ("Mid-Market", 0.35))

# (name, family, is professional services)
PRODUCTS: tuple[tuple[str, str], ...] = (
    ("PS - Implementation", "Professional Services"),
    ("PS - Advisory", "Professional Services"),
    ("PS - Premium Success", "Professional Services"),
    ("PS - Integration Services", "Professional Services"),
    ("PS - Training", "Professional Services"),
    ("Payments Platform - Subscription", "Payments Platform"),
    ("Payments Platform - Transaction Fees", "Payments Platform"),
    ("Risk Suite - Fraud Detection", "Risk Suite"),
    ("Risk Suite - Chargeback Guard", "Risk Suite"),
)
PS_FAMILY = "Professional Services"

# stage -> (probability 0-100, forecast category); open stages first, by maturity
STAGES: dict[str, tuple[int, str]] = {
    "Prospecting": (10, "Pipeline"),
    "Qualification": (20, "Pipeline"),
    "Proposal": (50, "Best Case"),
    "Negotiation": (80, "Commit"),
    "Closed Won": (100, "Closed"),
    "Closed Lost": (0, "Omitted"),
}
OPEN_STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")

# Jira: (id, name, category key)
JIRA_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("10000", "To Do", "new"),
    ("3", "In Progress", "indeterminate"),
    ("10001", "Waiting for customer", "indeterminate"),
    ("10002", "Done", "done"),
    ("4", "Reopened", "new"),
)
PRIORITIES = ("Highest", "High", "Medium", "Low")
CLIENT_ISSUE_TYPES = (("Scoping Request", 0.35), ("Escalation", 0.15), ("System Enhancement", 0.5))
INTERNAL_PROJECT_KEY = "PSOPS"
# Kantata workspace custom fields "Delivery Model" (a choice; empty means Direct) and
# "Delivery Partner" (text): who delivers a client engagement (DOMAIN.md §9).
# (label, share of client workspaces); about half of the Direct ones leave the field empty
DELIVERY_MODELS: tuple[str, ...] = ("Direct", "Partner-led", "Co-delivery")
DELIVERY_MODEL_SHARES = (0.75, 0.13, 0.12)
DELIVERY_PARTNERS = ("Accenture", "Deloitte", "Slalom", "Globant")
INTERNAL_WORKSPACES = ("Training", "Pre-sales Support", "Bench / Internal Projects")

# ---------------------------------------------------------------------------------------
# Holidays


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return date(year, month, day)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) given weekday (Mon=0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _us_observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def us_holidays(year: int) -> list[tuple[date, str]]:
    thanksgiving = nth_weekday(year, 11, 3, 4)
    return [
        (_us_observed(date(year, 1, 1)), "New Year's Day"),
        (nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"),
        (nth_weekday(year, 2, 0, 3), "Presidents' Day"),
        (nth_weekday(year, 5, 0, -1), "Memorial Day"),
        (_us_observed(date(year, 6, 19)), "Juneteenth"),
        (_us_observed(date(year, 7, 4)), "Independence Day"),
        (nth_weekday(year, 9, 0, 1), "Labor Day"),
        (thanksgiving, "Thanksgiving Day"),
        (thanksgiving + timedelta(days=1), "Day after Thanksgiving"),
        (_us_observed(date(year, 12, 25)), "Christmas Day"),
    ]


def ireland_holidays(year: int) -> list[tuple[date, str]]:
    feb1 = date(year, 2, 1)
    brigid = feb1 if feb1.weekday() == 4 else nth_weekday(year, 2, 0, 1)
    christmas = date(year, 12, 25)
    stephen = date(year, 12, 26)
    days = [
        (_next_weekday(date(year, 1, 1)), "New Year's Day"),
        (brigid, "St Brigid's Day"),
        (_next_weekday(date(year, 3, 17)), "St Patrick's Day"),
        (easter(year) + timedelta(days=1), "Easter Monday"),
        (nth_weekday(year, 5, 0, 1), "May Bank Holiday"),
        (nth_weekday(year, 6, 0, 1), "June Bank Holiday"),
        (nth_weekday(year, 8, 0, 1), "August Bank Holiday"),
        (nth_weekday(year, 10, 0, -1), "October Bank Holiday"),
    ]
    if christmas.weekday() >= 5 or stephen.weekday() >= 5:
        first = _next_weekday(christmas)
        second = _next_weekday(first + timedelta(days=1))
        days += [(first, "Christmas Day"), (second, "St Stephen's Day")]
    else:
        days += [(christmas, "Christmas Day"), (stephen, "St Stephen's Day")]
    return days


# Lunar-calendar holidays of Singapore (approximate where the year is not listed).
_CHINESE_NEW_YEAR = {
    2018: (2, 16),
    2019: (2, 5),
    2020: (1, 25),
    2021: (2, 12),
    2022: (2, 1),
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
    2031: (1, 23),
    2032: (2, 11),
    2033: (1, 31),
    2034: (2, 19),
    2035: (2, 8),
}
_HARI_RAYA_PUASA = {
    2022: (5, 3),
    2023: (4, 22),
    2024: (4, 10),
    2025: (3, 31),
    2026: (3, 21),
    2027: (3, 10),
    2028: (2, 27),
}
_VESAK = {
    2022: (5, 15),
    2023: (6, 2),
    2024: (5, 22),
    2025: (5, 12),
    2026: (5, 31),
    2027: (5, 20),
    2028: (5, 9),
}
_HARI_RAYA_HAJI = {
    2022: (7, 10),
    2023: (6, 29),
    2024: (6, 17),
    2025: (6, 7),
    2026: (5, 27),
    2027: (5, 17),
    2028: (5, 5),
}
_DEEPAVALI = {
    2022: (10, 24),
    2023: (11, 12),
    2024: (10, 31),
    2025: (10, 20),
    2026: (11, 8),
    2027: (10, 28),
    2028: (10, 17),
}


def _sg_observed(day: date) -> date:
    return day + timedelta(days=1) if day.weekday() == 6 else day


def singapore_holidays(year: int) -> list[tuple[date, str]]:
    cny = date(year, *_CHINESE_NEW_YEAR.get(year, (2, 1)))
    days = [
        (_sg_observed(date(year, 1, 1)), "New Year's Day"),
        (cny, "Chinese New Year"),
        (cny + timedelta(days=1), "Chinese New Year (second day)"),
        (easter(year) - timedelta(days=2), "Good Friday"),
        (_sg_observed(date(year, 5, 1)), "Labour Day"),
        (_sg_observed(date(year, 8, 9)), "National Day"),
        (_sg_observed(date(year, 12, 25)), "Christmas Day"),
    ]
    if cny.weekday() == 6 or (cny + timedelta(days=1)).weekday() == 6:
        days.append((cny + timedelta(days=2), "Chinese New Year (observed)"))
    for table, name in (
        (_HARI_RAYA_PUASA, "Hari Raya Puasa"),
        (_VESAK, "Vesak Day"),
        (_HARI_RAYA_HAJI, "Hari Raya Haji"),
        (_DEEPAVALI, "Deepavali"),
    ):
        if year in table:
            days.append((_sg_observed(date(year, *table[year])), name))
    return days


HOLIDAY_RULES = {"AMER": us_holidays, "EMEA": ireland_holidays, "APAC": singapore_holidays}


def region_holidays(region: str, first_year: int, last_year: int) -> list[tuple[date, str]]:
    """Weekday public holidays of a region's calendar, sorted, one entry per day."""
    seen: dict[date, str] = {}
    for year in range(first_year, last_year + 1):
        for day, name in HOLIDAY_RULES[region](year):
            if day.weekday() < 5 and day not in seen:
                seen[day] = name
    return sorted(seen.items())


# a holiday that continues the one of the day before (the same occasion) is one multi-day
# Kantata holiday (start_date..end_date); the merged holiday takes the name on the right
_CONTINUES = {
    "Day after Thanksgiving": "Thanksgiving",
    "St Stephen's Day": "Christmas",
    "Chinese New Year (second day)": "Chinese New Year",
    "Chinese New Year (observed)": "Chinese New Year",
}


def region_holiday_spans(
    region: str, first_year: int, last_year: int
) -> list[tuple[date, date, str]]:
    """A region's holidays as Kantata keeps them: (start_date, end_date, name), a holiday
    spanning the consecutive days of one occasion (Thanksgiving Thu-Fri, an Irish Christmas
    Dec 25-26, Chinese New Year's two days)."""
    spans: list[tuple[date, date, str]] = []
    for day, name in region_holidays(region, first_year, last_year):
        if spans and name in _CONTINUES and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day, _CONTINUES[name])
        else:
            spans.append((day, day, name))
    return spans
