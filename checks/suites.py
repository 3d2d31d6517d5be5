"""The suites, one per raw table of the three sources (keyed by the table's qualified name).

Every suite checks its key (unique, not NULL), then types and ranges, allowed values,
referential integrity (within a source and across systems), and, measured in DuckDB, the
volume against the last published load and the quarantine share.  Thresholds come from
``checks/gate.toml`` (``checks.config``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from checks import config
from checks.specs import (
    WARN,
    ExpectationSpec,
    Suite,
    between,
    freshness,
    in_set,
    known_in,
    known_in_any,
    not_null,
    unique,
)

# --- allowed values (what each API documents; tune here when a tenant adds its own) ------
# Kantata: a timesheet submission's documented statuses (TimesheetSubmission.status); the
# subject types psops reads custom fields for.  A workspace's status message is the tenant's
# own ({color, key, message}, key a Kantata code such as '501'), and choice custom fields
# (Region, Engagement Type ...) are named by the tenant's custom_field_choices: neither is
# listed here (sources/kantata/contract.py).
SUBMISSION_STATUSES = ("pending", "approved", "rejected", "cancelled")
CUSTOM_FIELD_SUBJECTS = ("User", "Workspace")
STATUS_CATEGORIES = ("new", "indeterminate", "done")
# a Salesforce record id typed into Jira's "Salesforce Opportunity ID" field: 15 characters
# (case-sensitive) or 18 (with the case-safe suffix), letters and digits only
SALESFORCE_ID_PATTERN = r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$"
# Salesforce documents these five forecast categories (Opportunity.ForecastCategoryName,
# Object Reference); stage names, segments and regions are the org's own picklists.
FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
# DOMAIN.md §1's segments; an org with others is warned, never blocked
SEGMENTS = ("Enterprise", "Digital Native", "Mid-Market")


def _latest_sane_date(as_of: date) -> date:
    return as_of + timedelta(days=config.FUTURE_TOLERANCE_DAYS)


def _planning_horizon(as_of: date) -> date:
    return as_of.replace(year=as_of.year + config.PLANNING_HORIZON_YEARS)


def past_date(column: str, severity: str = "error") -> ExpectationSpec:
    """A date that has happened: not before EARLIEST_SANE_DATE, not after as_of (+1 day)."""
    return between(
        column,
        config.EARLIEST_SANE_DATE,
        _latest_sane_date,
        severity=severity,
        rule=(
            f"{column} must be between {config.EARLIEST_SANE_DATE.isoformat()} "
            f"and as_of + {config.FUTURE_TOLERANCE_DAYS} day"
        ),
    )


def planned_date(column: str, severity: str = "error") -> ExpectationSpec:
    """A date that may lie ahead (due, close, allocation), within the planning horizon."""
    return between(
        column,
        config.EARLIEST_SANE_DATE,
        _planning_horizon,
        severity=severity,
        rule=(
            f"{column} must be between {config.EARLIEST_SANE_DATE.isoformat()} "
            f"and as_of + {config.PLANNING_HORIZON_YEARS} years"
        ),
    )


def suite(table: str, key: str, *specs: ExpectationSpec, volume: bool = True) -> Suite:
    """A suite whose first two expectations are the key's: unique and set."""
    return Suite(
        table=table,
        key=key,
        expectations=(unique(key), not_null(key), *specs),
        volume=volume,
    )


K = "raw_kantata"
J = "raw_jira"
S = "raw_salesforce"


def _kantata() -> list[Suite]:
    return [
        suite(
            f"{K}.users",
            "id",
            not_null("email_address", severity=WARN, rule="every user should have an e-mail"),
        ),
        suite(f"{K}.roles", "id", not_null("name")),
        suite(
            f"{K}.account_memberships",
            "id",
            known_in("user_id", f"{K}.users.id", rule="user_id must be a known Kantata user"),
            known_in("default_role_id", f"{K}.roles.id", severity=WARN),
            between("billability_target", 0, 100, rule="billability_target must be 0–100 (%)"),
            between("bill_rate_in_cents", 0, None, rule="bill_rate_in_cents must be ≥ 0"),
            between("cost_rate_in_cents", 0, None, rule="cost_rate_in_cents must be ≥ 0"),
        ),
        suite(
            f"{K}.custom_fields",
            "id",
            in_set("subject_type", CUSTOM_FIELD_SUBJECTS),
        ),
        suite(
            f"{K}.custom_field_values",
            "id",
            in_set("subject_type", CUSTOM_FIELD_SUBJECTS),
            known_in(
                "custom_field_id",
                f"{K}.custom_fields.id",
                rule="custom_field_id must be a known custom field",
            ),
            # DOMAIN.md §9: a workspace's Delivery Model is one of its field's choices
            # (Direct, Partner-led, Co-delivery; the labels are the tenant's, judged in dbt)
            known_in(
                "value",
                f"{K}.custom_field_choices.id",
                severity=WARN,
                where=("custom_field_name", "Delivery Model"),
                rule="a Delivery Model value should be one of the field's choices",
            ),
        ),
        suite(
            f"{K}.custom_field_choices",
            "id",
            not_null("label", rule="every choice has a label"),
            known_in(
                "custom_field_id",
                f"{K}.custom_fields.id",
                rule="custom_field_id must be a known custom field",
            ),
        ),
        suite(
            f"{K}.workweeks",
            "id",
            *[
                between(f"{day}_minutes", 0, 1440, rule=f"{day}_minutes must be 0–1440")
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
            ],
        ),
        suite(
            f"{K}.workweek_memberships",
            "id",
            known_in("user_id", f"{K}.users.id"),
            known_in("workweek_id", f"{K}.workweeks.id"),
            planned_date("start_date"),
        ),
        suite(f"{K}.holiday_calendars", "id", not_null("name")),
        suite(
            f"{K}.holiday_calendar_memberships",
            "id",
            known_in("user_id", f"{K}.users.id"),
            known_in("holiday_calendar_id", f"{K}.holiday_calendars.id"),
        ),
        suite(
            f"{K}.holidays",
            "id",
            not_null("start_date", rule="a holiday has a start_date"),
            planned_date("start_date"),
            planned_date("end_date"),
        ),
        suite(
            f"{K}.holiday_calendar_associations",
            "id",
            known_in("holiday_id", f"{K}.holidays.id", rule="holiday_id must be a known holiday"),
            known_in(
                "holiday_calendar_id",
                f"{K}.holiday_calendars.id",
                rule="holiday_calendar_id must be a known holiday calendar",
            ),
        ),
        suite(
            f"{K}.workspaces",
            "id",
            not_null(
                "status_key",
                severity=WARN,
                rule="every workspace should have a status (Kantata's status object)",
            ),
            not_null(
                "stories_are_fixed_fee_by_default",
                severity=WARN,
                rule="the billing type (stories_are_fixed_fee_by_default) should be set",
            ),
            between("price_in_cents", 0, None, rule="price_in_cents must be ≥ 0"),
            between("budgeted_hours", 0, None, rule="budgeted_hours must be ≥ 0"),
            planned_date("start_date"),
            planned_date("due_date"),
        ),
        suite(
            f"{K}.time_entries",
            "id",
            between(
                "time_in_minutes",
                0,
                config.MAX_MINUTES_PER_ENTRY,
                rule=f"time_in_minutes must be 0–{config.MAX_MINUTES_PER_ENTRY} (0–24 h)",
            ),
            past_date("date_performed"),
            not_null("user_id", rule="user_id must be set"),
            known_in("user_id", f"{K}.users.id", rule="user_id must be a known Kantata user"),
            known_in(
                "workspace_id",
                f"{K}.workspaces.id",
                severity=WARN,
                rule="workspace_id should be a known Kantata workspace",
            ),
            between("rate_in_cents", 0, None, rule="rate_in_cents must be ≥ 0"),
            freshness("updated_at"),
        ),
        suite(
            f"{K}.timesheet_submissions",
            "id",
            in_set("status", SUBMISSION_STATUSES),
            known_in("user_id", f"{K}.users.id"),
            not_null("workspace_id", rule="a submission covers one workspace (user × week)"),
            known_in(
                "workspace_id",
                f"{K}.workspaces.id",
                severity=WARN,
                rule="workspace_id should be a known Kantata workspace",
            ),
            past_date("start_date"),
        ),
        suite(
            f"{K}.time_off_entries",
            "id",
            known_in("user_id", f"{K}.users.id"),
            between("hours", 0, 24, rule="hours must be 0–24"),
            planned_date("requested_date"),
        ),
        suite(
            f"{K}.workspace_resources",
            "id",
            known_in("workspace_id", f"{K}.workspaces.id"),
            known_in("user_id", f"{K}.users.id", severity=WARN),
        ),
        suite(
            f"{K}.workspace_allocations",
            "id",
            known_in("workspace_id", f"{K}.workspaces.id"),
            known_in("user_id", f"{K}.users.id"),
            between("minutes", 0, None, rule="minutes must be ≥ 0"),
            planned_date("start_date"),
            planned_date("end_date"),
        ),
    ]


# Priorities and issue types are the site's own (Highest..Lowest, P1..P4, ...): the allowed
# priorities are the site's (/priority/search) and those the sla_policies seed names.  A
# project without a Kantata workspace (support, pre-sales, internal) is normal: a ticket's
# project only has to be one Jira lists (DOMAIN.md §6).
def _jira() -> list[Suite]:
    return [
        suite(f"{J}.projects", "id", unique("key"), not_null("key")),
        suite(f"{J}.statuses", "id", in_set("category_key", STATUS_CATEGORIES)),
        suite(f"{J}.priorities", "id", not_null("name"), unique("name")),
        suite(f"{J}.users", "account_id"),
        suite(
            f"{J}.issues",
            "id",
            unique("key"),
            known_in_any(
                "priority",
                (f"{J}.priorities.name", "seed.sla_policies.priority"),
                ignore=("*",),
                rule="priority must be one of the site's priorities (raw_jira.priorities) "
                "or one the sla_policies seed names",
            ),
            not_null("issue_type", severity=WARN, rule="every ticket should have an issue type"),
            in_set("status_category_key", STATUS_CATEGORIES),
            known_in("status_id", f"{J}.statuses.id"),
            known_in(
                "project_key",
                f"{J}.projects.key",
                severity=WARN,
                label="project",
                rule="a ticket's project should be one of Jira's projects (raw_jira.projects)",
            ),
            past_date("created"),
            freshness("updated"),
            ExpectationSpec(
                "expect_column_values_to_match_regex",
                "salesforce_opportunity_id",
                "salesforce_opportunity_id, when set, should look like a Salesforce id "
                "(15 or 18 letters and digits)",
                WARN,
                {"regex": SALESFORCE_ID_PATTERN},
            ),
        ),
        suite(
            f"{J}.issue_changelog",
            "id",
            known_in("issue_id", f"{J}.issues.id"),
            past_date("created"),
        ),
    ]


def _salesforce() -> list[Suite]:
    return [
        suite(f"{S}.user", "Id", not_null("Email", severity=WARN)),
        suite(
            f"{S}.account",
            "Id",
            in_set("Segment__c", SEGMENTS, severity=WARN),
            known_in_any(
                "Region__c",
                ("seed.business_calendars.calendar",),
                rule="an account's region must be one the business_calendars seed defines",
            ),
        ),
        suite(f"{S}.product2", "Id", not_null("Family", severity=WARN)),
        suite(
            f"{S}.opportunity",
            "Id",
            known_in_any(
                "StageName",
                ("seed.stage_probabilities.stage_name",),
                severity=WARN,
                rule="a stage should be in the stage_probabilities seed (else its Probability "
                "field alone weights it)",
            ),
            in_set("ForecastCategoryName", FORECAST_CATEGORIES),
            between("Probability", 0, 100, rule="Probability must be 0–100 (%)"),
            between("Amount", 0, None, rule="Amount must be ≥ 0"),
            planned_date("CloseDate"),
            known_in("AccountId", f"{S}.account.Id"),
            known_in("OwnerId", f"{S}.user.Id", severity=WARN),
            freshness("SystemModstamp"),
        ),
        suite(
            f"{S}.opportunitylineitem",
            "Id",
            known_in("OpportunityId", f"{S}.opportunity.Id"),
            known_in("Product2Id", f"{S}.product2.Id"),
            between("TotalPrice", 0, None, rule="TotalPrice must be ≥ 0"),
            between("Quantity", 0, None, rule="Quantity must be ≥ 0"),
        ),
    ]


_built: tuple[dict[str, Any], dict[str, Suite]] | None = None


def all_suites() -> dict[str, Suite]:
    """One ``Suite`` per raw table, built from the active gate config (``checks.config``:
    ``checks/gate.toml`` unless ``use_gate_config`` named another), on first use — nothing
    is built, nor any file read, at import."""
    global _built
    knobs = config.active()
    if _built is None or _built[0] is not knobs:
        suites = {s.table: s for s in (*_kantata(), *_jira(), *_salesforce())}
        _built = (knobs, suites)
    return _built[1]


def __getattr__(name: str) -> Any:
    """``SUITES``: ``all_suites()``."""
    if name == "SUITES":
        return all_suites()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
