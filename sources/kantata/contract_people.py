"""Kantata endpoints, people: users, roles, account memberships and the custom fields psops
reads on users and workspaces.

Each cites its OpenAPI file (see ``sources/kantata/contract.py``); custom fields are read per
subject type (``CUSTOM_FIELD_SUBJECTS``).
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
    datetime_field,
    integer_field,
    list_endpoint,
    names,
    string_field,
)

PEOPLE: tuple[Endpoint, ...] = (
    list_endpoint(
        "users",
        "users",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | CUSTOM_VALUE_FILTERS
        | names(
            "account_id account_role_ids all_contacts assignable_to_resource belonging_to_orgs "
            "by_email_address by_email_addresses by_full_name by_full_name_or_account_role "
            "can_be_approver_in_workspace can_view_reports clients_only consultants_only "
            "contacts_on_different_account is_project_lead managers matching not_assigned_to "
            "not_following not_on_calendars not_participant_in on_my_account "
            "on_my_account_or_participant_in_workspace only_possible_managees "
            "only_possible_managers optional_fields participant_in "
            "potential_followers_for_story provider_leads_on_account_projects search "
            "show_disabled show_users_in_insights_groups with_created_estimates "
            "with_organizations with_skills with_users without_skills "
            "without_timesheet_submission without_users write_access_in"
        ),
        [string_field("full_name"), string_field("email_address"), string_field("headline")],
        sorts={"alphabetical"},
        default_order="alphabetical:asc",
        includes=names(
            "account_membership custom_field_values external_references manager role "
            "skill_memberships skills work_samples"
        ),
        gated={"account_membership_id": "account_membership", "manager_id": "manager"},
        note="without on_my_account only users sharing a project are listed; "
        "show_disabled adds users with an inactive account membership",
    ),
    list_endpoint(
        "roles",
        "roles",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | names(
            "for_rate_card for_scenario_rate_card for_workspace for_workspace_rate_card "
            "matching not_on_rate_card_set_version only_active"
        ),
        [string_field("name"), *STAMPS, datetime_field("deleted_at")],
        sorts={"alphabetical"},
        default_order="alphabetical:asc",
        includes={"external_references"},
    ),
    list_endpoint(
        "account_memberships",
        "account-memberships",
        CREATED
        | UPDATED
        | names(
            "by_full_name by_user_id can_log_in only_active only_inactive optional_fields "
            "search with_skills with_user_ids"
        ),
        [
            string_field("user_id"),
            string_field("default_role_id"),
            string_field("manager_id"),
            integer_field("billability_target"),
            integer_field("bill_rate_in_cents"),
            integer_field("cost_rate_in_cents"),
            datetime_field("disabled_at"),
            boolean_field("is_administrator"),
            string_field("permission"),
            *STAMPS,
        ],
        sorts=names("bill_rate cost_rate created_at full_name permission role updated_at"),
        default_order="created_at:desc",
        includes=names(
            "backup_approver_associations cost_rates default_role effective_workweek "
            "future_billable_utilizations managees manager possible_managees possible_managers "
            "skill_memberships user"
        ),
        gated={"user_id": "user", "default_role_id": "default_role", "manager_id": "manager"},
        note="inactive memberships (disabled_at set) only with only_inactive",
    ),
    list_endpoint(
        "custom_fields",
        "custom-fields",
        CREATED | UPDATED | EXTERNAL_REFERENCES | {"matching", "subject_type"},
        [string_field("name"), string_field("value_type"), *STAMPS],
        sorts={"name", "updated_at"},
        default_order="name:asc",
        includes={"choices", "creator", "custom_field_set", "external_references"},
        note="the CustomField schema has no subject_type: filter by it",
    ),
    list_endpoint(
        "custom_field_values",
        "custom-field-values",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | {"subject_type", "with_custom_field_id", "with_setter_id", "with_subject_id"},
        [
            string_field("subject_type"),
            integer_field("subject_id"),
            string_field("custom_field_id"),
            string_field("custom_field_name"),
            Field("value", "any"),  # string, number, [cents, currency] or [choice ids]
            string_field("display_value"),
            *STAMPS,
        ],
        sorts={"created_at", "subject_id", "updated_at"},
        default_order="created_at:asc",
        includes={
            "custom_field",
            "external_references",
            "selected_choices",
            "setter",
            "subject",
        },
        gated={"custom_field_id": "custom_field", "selected_choice_ids": "selected_choices"},
        required={"subject_type"},
    ),
    list_endpoint(
        "custom_field_choices",
        "custom-field-choices",
        CREATED
        | UPDATED
        | EXTERNAL_REFERENCES
        | {"active", "for_choice_ids", "for_custom_fields", "matching", "per_custom_field"},
        [
            string_field("custom_field_id"),
            string_field("label"),
            integer_field("position"),
            *STAMPS,
        ],
        sorts={"label", "position"},
        default_order="position:asc",
        includes={"custom_field", "external_references"},
        gated={"custom_field_id": "custom_field"},
    ),
)
