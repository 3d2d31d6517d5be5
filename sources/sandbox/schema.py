"""The sandbox dataset's tables: the contract between the generator, the API servers,
the connectors and the dbt staging models.

Every table lives in one DuckDB file (``<sandbox dir>/sandbox.duckdb``).  Column names are
the field names of the real API object (Kantata API v1, Jira Cloud REST v3 flattened,
Salesforce sObject API names), so a server renders a row into the wire format by name,
and a connector lands the same names as the typed columns of its raw table
(``raw_kantata.<object>``, ``raw_jira.<object>``, ``raw_salesforce.<object>``).

All timestamps are UTC (naive ``TIMESTAMP``).  All ids are strings, as the APIs send them.
"""

from __future__ import annotations

# (column, duckdb type) per table.  The first column is the primary key.
Columns = list[tuple[str, str]]

KANTATA_TABLES: dict[str, Columns] = {
    "users": [
        ("id", "VARCHAR"),
        ("full_name", "VARCHAR"),
        ("email_address", "VARCHAR"),
        ("headline", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "roles": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # billability_target is a percentage 0-100, as Kantata stores it.
    "account_memberships": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("default_role_id", "VARCHAR"),
        ("billability_target", "DOUBLE"),
        ("bill_rate_in_cents", "BIGINT"),
        ("cost_rate_in_cents", "BIGINT"),
        ("manager_id", "VARCHAR"),
        ("disabled_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "custom_fields": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("subject_type", "VARCHAR"),
        ("value_type", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # subject_type 'User' (Region, Team, Hire Date) or 'Workspace'
    # (Salesforce Opportunity ID, Jira Project Key, Engagement Type); value as text.
    "custom_field_values": [
        ("id", "VARCHAR"),
        ("subject_type", "VARCHAR"),
        ("subject_id", "VARCHAR"),
        ("custom_field_id", "VARCHAR"),
        ("custom_field_name", "VARCHAR"),
        ("value", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workweeks": [
        ("id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("sunday_minutes", "INTEGER"),
        ("monday_minutes", "INTEGER"),
        ("tuesday_minutes", "INTEGER"),
        ("wednesday_minutes", "INTEGER"),
        ("thursday_minutes", "INTEGER"),
        ("friday_minutes", "INTEGER"),
        ("saturday_minutes", "INTEGER"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workweek_memberships": [
        ("id", "VARCHAR"),
        ("workweek_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("updated_at", "TIMESTAMP"),
    ],
    "holiday_calendars": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    "holiday_calendar_memberships": [
        ("id", "VARCHAR"),
        ("holiday_calendar_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("updated_at", "TIMESTAMP"),
    ],
    # one row per holiday of one calendar; hours = hours off that day (8 = full day)
    "holidays": [
        ("id", "VARCHAR"),
        ("holiday_calendar_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("hours", "DOUBLE"),
        ("updated_at", "TIMESTAMP"),
    ],
    # status: 'Active', 'Completed', 'On Hold', 'Cancelled'
    "workspaces": [
        ("id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("status", "VARCHAR"),
        ("start_date", "DATE"),
        ("due_date", "DATE"),
        ("price_in_cents", "BIGINT"),
        ("currency", "VARCHAR"),
        ("budgeted", "BOOLEAN"),
        ("budgeted_hours", "DOUBLE"),
        ("stories_are_fixed_fee_by_default", "BOOLEAN"),
        ("archived", "BOOLEAN"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    "time_entries": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("date_performed", "DATE"),
        ("time_in_minutes", "INTEGER"),
        ("billable", "BOOLEAN"),
        ("rate_in_cents", "BIGINT"),
        ("notes", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ],
    # one submission per user per week (start_date Monday .. end_date Sunday);
    # status: 'pending', 'approved', 'rejected'.  Entries join on user + date in range.
    "timesheet_submissions": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("status", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    "time_off_entries": [
        ("id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("requested_date", "DATE"),
        ("hours", "DOUBLE"),
        ("updated_at", "TIMESTAMP"),
    ],
    "workspace_resources": [
        ("id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("role_id", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ],
    # minutes = total minutes allocated across start_date..end_date (weekdays)
    "workspace_allocations": [
        ("id", "VARCHAR"),
        ("resource_id", "VARCHAR"),
        ("workspace_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("minutes", "INTEGER"),
        ("hard", "BOOLEAN"),
        ("updated_at", "TIMESTAMP"),
    ],
}

JIRA_TABLES: dict[str, Columns] = {
    "projects": [
        ("id", "VARCHAR"),
        ("key", "VARCHAR"),
        ("name", "VARCHAR"),
        ("project_type_key", "VARCHAR"),
    ],
    # category_key: 'new' (To Do), 'indeterminate' (In Progress), 'done'
    "statuses": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("category_key", "VARCHAR"),
    ],
    # email_address is NULL where Jira Cloud hides it.
    "users": [
        ("account_id", "VARCHAR"),
        ("display_name", "VARCHAR"),
        ("email_address", "VARCHAR"),
        ("active", "BOOLEAN"),
    ],
    "issues": [
        ("id", "VARCHAR"),
        ("key", "VARCHAR"),
        ("project_key", "VARCHAR"),
        ("issue_type", "VARCHAR"),
        ("priority", "VARCHAR"),
        ("status_id", "VARCHAR"),
        ("status_name", "VARCHAR"),
        ("status_category_key", "VARCHAR"),
        ("summary", "VARCHAR"),
        ("assignee_account_id", "VARCHAR"),
        ("reporter_account_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("updated", "TIMESTAMP"),
        ("resolutiondate", "TIMESTAMP"),
    ],
    # one row per status change item of the changelog; id = '<history id>-<n>'
    "issue_changelog": [
        ("id", "VARCHAR"),
        ("history_id", "VARCHAR"),
        ("issue_id", "VARCHAR"),
        ("author_account_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("field", "VARCHAR"),
        ("from_id", "VARCHAR"),
        ("from_string", "VARCHAR"),
        ("to_id", "VARCHAR"),
        ("to_string", "VARCHAR"),
    ],
}

# Salesforce objects: table name = sObject name lower-cased.
SALESFORCE_TABLES: dict[str, Columns] = {
    "user": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Email", "VARCHAR"),
        ("IsActive", "BOOLEAN"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "account": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Industry", "VARCHAR"),
        ("Segment__c", "VARCHAR"),
        ("Region__c", "VARCHAR"),
        ("OwnerId", "VARCHAR"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "product2": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("Family", "VARCHAR"),
        ("IsActive", "BOOLEAN"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "opportunity": [
        ("Id", "VARCHAR"),
        ("Name", "VARCHAR"),
        ("AccountId", "VARCHAR"),
        ("OwnerId", "VARCHAR"),
        ("StageName", "VARCHAR"),
        ("Probability", "DOUBLE"),
        ("Amount", "DOUBLE"),
        ("CloseDate", "DATE"),
        ("ForecastCategoryName", "VARCHAR"),
        ("IsClosed", "BOOLEAN"),
        ("IsWon", "BOOLEAN"),
        ("Type", "VARCHAR"),
        ("CurrencyIsoCode", "VARCHAR"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
    "opportunitylineitem": [
        ("Id", "VARCHAR"),
        ("OpportunityId", "VARCHAR"),
        ("Product2Id", "VARCHAR"),
        ("Quantity", "DOUBLE"),
        ("UnitPrice", "DOUBLE"),
        ("TotalPrice", "DOUBLE"),
        ("CreatedDate", "TIMESTAMP"),
        ("SystemModstamp", "TIMESTAMP"),
        ("IsDeleted", "BOOLEAN"),
    ],
}

SALESFORCE_OBJECT_NAMES: dict[str, str] = {
    "user": "User",
    "account": "Account",
    "product2": "Product2",
    "opportunity": "Opportunity",
    "opportunitylineitem": "OpportunityLineItem",
}

SYSTEMS: dict[str, dict[str, Columns]] = {
    "kantata": KANTATA_TABLES,
    "jira": JIRA_TABLES,
    "salesforce": SALESFORCE_TABLES,
}


def sandbox_table_name(system: str, table: str) -> str:
    """Name of a table in sandbox.duckdb, e.g. ``kantata_time_entries``."""
    return f"{system}_{table}"


def create_sandbox_tables_sql() -> list[str]:
    """DDL for every sandbox table (primary key on the first column)."""
    statements = []
    for system, tables in SYSTEMS.items():
        for table, columns in tables.items():
            cols = ", ".join(f'"{name}" {ctype}' for name, ctype in columns)
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {sandbox_table_name(system, table)} ({cols})"
            )
    return statements
