"""Kantata endpoints, work: workspaces (projects), time entries, timesheet submissions, time
off, resources and allocations.

Each cites its OpenAPI file (see ``sources/kantata/contract.py``); archived projects and their
time entries are listed only when asked for.
"""

from __future__ import annotations

from sources.common.contract import Endpoint, Field
from sources.kantata.contract_parts import (
    CREATED,
    CUSTOM_VALUE_FILTERS,
    EXTERNAL_REFERENCES,
    STAMPS,
    UPDATED,
    boolean_field,
    date_field,
    integer_field,
    list_endpoint,
    names,
    string_field,
)

WORK: tuple[Endpoint, ...] = (
    list_endpoint(
        "workspaces",
        "workspaces",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | CUSTOM_VALUE_FILTERS
        | names(
            "account_color_ids archived budgeted can_create_line_items created_at creator "
            "current_user_is_maven_participant custom_date_range custom_integer_ranges "
            "due_date_after due_date_before except financials_viewable_by_user for_approver "
            "has_approvers has_maven_participant has_participant has_participation "
            "include_archived matching milestone_weight_percentage_complete "
            "on_account_by_orgs on_my_account only_joinable only_participating_or_joinable "
            "only_project_manager_in "
            "optional_fields participant_or_org_member_in pending_timesheet_submissions "
            "provider_lead require_time_approvals requiring_expense_approval search "
            "selected_choices stage start_date_after start_date_before user_not_participating "
            "viewable_for_time_administration with_organizations workspace_groups"
        ),
        [
            string_field("title"),
            Field("status", "object"),  # {color, key, message}; key e.g. '501'
            boolean_field("archived"),
            date_field("start_date"),
            date_field("due_date"),
            integer_field("price_in_cents"),
            string_field("currency"),
            boolean_field("budgeted"),
            integer_field("estimated_minutes"),  # optional_fields=estimated_minutes
            boolean_field("stories_are_fixed_fee_by_default"),
            *STAMPS,
        ],
        sorts=names(
            "amount_paid color_name created_at due_date last_viewed percentage_complete price "
            "provider_lead_name start_date status task_status_set title updated_at"
        ),  # also custom_field:<id> and the bare value ``search``
        default_order="updated_at:desc",
        includes=names(
            "account_color account_insights_mappings approver approvers billing_milestones "
            "creator current_status_report current_user_participation custom_field_values "
            "external_references financial_viewers next_uncompleted_milestone participants "
            "participations possible_approvers primary_counterpart primary_maven "
            "primary_workspace_group status_reports timesheet_submissions workspace_groups "
            "workspace_resources workspace_resources_with_unnamed"
        ),
        note="archived projects only with include_archived=true",
    ),
    list_endpoint(
        "time_entries",
        "time-entries",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | names(
            "approved billable created_by date_performed_between from_archived_workspaces "
            "in_active_invoice_id in_active_submission invoiced on_my_account optional_fields "
            "uninvoiced with_recent_timesheet_ids with_timesheet_id with_user_ids workspace_id "
            "workspace_ids"
        ),
        [
            string_field("user_id"),
            string_field("workspace_id"),
            date_field("date_performed"),
            integer_field("time_in_minutes"),
            boolean_field("billable"),
            integer_field("rate_in_cents"),
            string_field("notes"),
            *STAMPS,
        ],
        sorts={"created_at", "date_performed", "updated_at"},
        default_order="date_performed:desc",
        includes=names(
            "active_submission external_references invoice recent_submission role story user "
            "workspace"
        ),
        gated={"user_id": "user", "workspace_id": "workspace"},
        note="entries of archived projects only with from_archived_workspaces=true",
    ),
    list_endpoint(
        "timesheet_submissions",
        "timesheet-submissions",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | names(
            "active end_date not_cancelled start_date start_date_after statuses user_ids "
            "workspace_id workspace_ids"
        ),
        [
            string_field("user_id"),
            string_field("workspace_id"),
            date_field("start_date"),
            date_field("end_date"),
            string_field("status"),  # 'approved', 'rejected', 'cancelled', 'pending'
            *STAMPS,
        ],
        sorts={"date"},
        default_order="date:desc",
        includes={"external_references", "time_entries", "user", "workspace"},
        gated={"user_id": "user", "workspace_id": "workspace"},
        note="one submission per user, week and project",
    ),
    list_endpoint(
        "time_off_entries",
        "time-off-entries",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | {"end_date", "start_date", "user_id", "user_ids", "workspace_id"},
        [
            string_field("user_id"),
            date_field("requested_date"),
            Field("hours", "number"),
            date_field("submission_date"),
        ],
        includes={"external_references", "role", "user"},
        gated={"user_id": "user", "role_id": "role"},
        note="no order parameter; the schema has no updated_at",
    ),
    list_endpoint(
        "workspace_resources",
        "workspace-resources",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | CUSTOM_VALUE_FILTERS
        | names(
            "include_unnamed matching only_unnamed optional_fields "
            "potential_workspace_resource_for_story_with_unnamed_resources "
            "potential_workspace_resources_for_reassignment "
            "potential_workspace_resources_for_story providers providers_with_unnamed role_id "
            "user_id with_organizations workspace_id"
        ),
        [integer_field("workspace_id"), string_field("user_id"), string_field("role_id"), *STAMPS],
        sorts={"alphabetically", "created_at", "updated_at"},  # and the bare ``alphabetical``
        default_order="updated_at:desc",
        includes=names(
            "custom_field_values external_references organization_membership "
            "participation role user workspace"
        ),
        gated={"user_id": "user", "role_id": "role"},
    ),
    list_endpoint(
        "workspace_allocations",
        "workspace-allocations",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | names(
            "named_resources_only overlaps_with_date_range type unnamed_resources_only "
            "user_ids workspace_ids workspace_resource_ids"
        ),
        [
            string_field("workspace_resource_id"),
            string_field("workspace_id"),
            date_field("start_date"),
            date_field("end_date"),
            integer_field("minutes"),
            boolean_field("hard"),
            *STAMPS,
        ],
        sorts={"updated_at"},
        default_order="updated_at:desc",
        includes={
            "creator",
            "external_references",
            "updater",
            "workspace",
            "workspace_resource",
        },
        gated={"workspace_id": "workspace"},
    ),
)
