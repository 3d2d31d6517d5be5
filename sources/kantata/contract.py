"""What Kantata OX documents about each endpoint psops reads (``GET /api/v1/<object>.json``).

Extracted from Kantata's published OpenAPI spec, one file per endpoint, as harvested in the
public repository ``api-evangelist/mavenlink`` (``openapi/mavenlink-<name>-api-openapi.yml``;
the live reference is https://developer.kantata.com).  Per endpoint: the list GET's
``parameters`` (every documented query parameter, the required ones, the ``order`` values it
lists, its ``include`` associations) and, from ``components.schemas``, the object's fields that
psops reads, with their JSON types.

Facts of the spec that shape the connector (``sources/kantata/extract.py``):

- Every object has a string ``id`` (Kantata's response format; the schemas leave it out).
- ``order`` takes only the sort fields an endpoint lists; anything else is ignored by the API.
  Only ``account_memberships``, ``custom_fields``, ``custom_field_values``, ``workspaces``,
  ``time_entries``, ``workspace_resources`` and ``workspace_allocations`` list
  ``updated_at`` *and* document ``updated_after``: the others are re-read whole.
- Many foreign keys are sent only when their association is included ("``user_id`` will
  only be included in the response if ``user`` is in the list of included associations"):
  ``GATED`` below; the connector asks for those includes.
- A few fields are named otherwise than our raw columns (mapped in ``tables.py``):
  workspace ``status`` is an object ``{color, key, message}``; a workspace's budgeted hours
  are ``estimated_minutes`` (an ``optional_fields`` field); an allocation's resource is
  ``workspace_resource_id``; a choice custom field's ``value`` is a list of choice ids.
- Not in the spec (so never sent by Kantata, NULL in raw): ``users.created_at/updated_at``,
  ``workweeks.title``, ``holiday_calendars.updated_at``, ``holidays.created_at/updated_at``,
  ``holiday_calendar_associations.created_at/updated_at``, ``time_off_entries.updated_at``,
  ``workspace_allocations.user_id`` (an allocation names its resource; the resource names
  the user) and ``custom_fields.subject_type`` (the connector reads custom fields per
  ``subject_type`` filter and records the filter).
"""

from __future__ import annotations

from collections.abc import Collection

from sources.common.contract import Endpoint, Field

SPEC = "https://github.com/api-evangelist/mavenlink/blob/main/openapi/mavenlink-{}-api-openapi.yml"
API_PREFIX = "/api/v1"
MAX_PER_PAGE = 200  # every list GET: per_page default 20, maximum 200
CUSTOM_FIELD_SUBJECTS = ("User", "Workspace")  # the subject types psops reads

# parameters shared by (almost) every list GET, named here once
PAGING = frozenset({"page", "per_page", "only"})
CREATED = frozenset({"created_after", "created_before"})
UPDATED = frozenset({"updated_after", "updated_before"})
EXTERNAL_REFERENCES = frozenset(
    {
        "external_reference_external_message",
        "external_reference_external_status",
        "external_reference_service_model",
        "external_reference_service_model_ref",
        "external_reference_service_model_refs",
        "external_reference_service_name",
        "external_reference_status",
        "has_external_references",
        "without_external_reference_service_name",
    }
)
CUSTOM_VALUE_FILTERS = frozenset(
    {
        "by_custom_choice_value",
        "by_custom_currency_value",
        "by_custom_date_value",
        "by_custom_number_value",
        "by_custom_text_value",
        "has_value_for_custom_field_ids",
    }
)


def _names(text: str) -> frozenset[str]:
    """Parameter, sort or include names, written as one space-separated string."""
    return frozenset(text.split())


def _id() -> Field:
    return Field("id", "string", required=True, nullable=False)


def _endpoint(
    name: str,
    spec: str,
    params: Collection[str],
    fields: list[Field],
    sorts: Collection[str] = (),
    default_order: str | None = None,
    includes: Collection[str] = (),
    gated: dict[str, str] | None = None,
    required: Collection[str] = (),
    note: str = "",
) -> Endpoint:
    """One list endpoint; ``order``/``include`` are documented exactly when sorts/includes
    are given.  ``gated``: field -> the include that makes Kantata send it."""
    documented = set(PAGING) | set(params)
    if sorts:
        documented.add("order")
    if includes:
        documented.add("include")
    return Endpoint(
        name=name,
        path=f"{API_PREFIX}/{name}.json",
        cite=SPEC.format(spec) + (f" ({note})" if note else ""),
        params=frozenset(documented),
        required_params=frozenset(required),
        sorts=frozenset(sorts),
        fields=(_id(), *fields),
        extra={
            "default_order": default_order,
            "includes": frozenset(includes),
            "gated": dict(gated or {}),
        },
    )


def _s(name: str) -> Field:
    return Field(name, "string")


def _dt(name: str) -> Field:
    return Field(name, "datetime")


def _d(name: str) -> Field:
    return Field(name, "date")


def _i(name: str) -> Field:
    return Field(name, "integer")


def _b(name: str) -> Field:
    return Field(name, "boolean")


_STAMPS = [_dt("created_at"), _dt("updated_at")]
_WEEKDAY_MINUTES = [
    _i(f"{day}_minutes")
    for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
]

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        _endpoint(
            "users",
            "users",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | CUSTOM_VALUE_FILTERS
            | _names(
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
            [_s("full_name"), _s("email_address"), _s("headline")],
            sorts={"alphabetical"},
            default_order="alphabetical:asc",
            includes=_names(
                "account_membership custom_field_values external_references manager role "
                "skill_memberships skills work_samples"
            ),
            gated={"account_membership_id": "account_membership", "manager_id": "manager"},
            note="without on_my_account only users sharing a project are listed; "
            "show_disabled adds users with an inactive account membership",
        ),
        _endpoint(
            "roles",
            "roles",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | _names(
                "for_rate_card for_scenario_rate_card for_workspace for_workspace_rate_card "
                "matching not_on_rate_card_set_version only_active"
            ),
            [_s("name"), *_STAMPS, _dt("deleted_at")],
            sorts={"alphabetical"},
            default_order="alphabetical:asc",
            includes={"external_references"},
        ),
        _endpoint(
            "account_memberships",
            "account-memberships",
            CREATED
            | UPDATED
            | _names(
                "by_full_name by_user_id can_log_in only_active only_inactive optional_fields "
                "search with_skills with_user_ids"
            ),
            [
                _s("user_id"),
                _s("default_role_id"),
                _s("manager_id"),
                _i("billability_target"),
                _i("bill_rate_in_cents"),
                _i("cost_rate_in_cents"),
                _dt("disabled_at"),
                _b("is_administrator"),
                _s("permission"),
                *_STAMPS,
            ],
            sorts=_names("bill_rate cost_rate created_at full_name permission role updated_at"),
            default_order="created_at:desc",
            includes=_names(
                "backup_approver_associations cost_rates default_role effective_workweek "
                "future_billable_utilizations managees manager possible_managees possible_managers "
                "skill_memberships user"
            ),
            gated={"user_id": "user", "default_role_id": "default_role", "manager_id": "manager"},
            note="inactive memberships (disabled_at set) only with only_inactive",
        ),
        _endpoint(
            "custom_fields",
            "custom-fields",
            CREATED | UPDATED | EXTERNAL_REFERENCES | {"matching", "subject_type"},
            [_s("name"), _s("value_type"), *_STAMPS],
            sorts={"name", "updated_at"},
            default_order="name:asc",
            includes={"choices", "creator", "custom_field_set", "external_references"},
            note="the CustomField schema has no subject_type: filter by it",
        ),
        _endpoint(
            "custom_field_values",
            "custom-field-values",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | {"subject_type", "with_custom_field_id", "with_setter_id", "with_subject_id"},
            [
                _s("subject_type"),
                _i("subject_id"),
                _s("custom_field_id"),
                _s("custom_field_name"),
                Field("value", "any"),  # string, number, [cents, currency] or [choice ids]
                _s("display_value"),
                *_STAMPS,
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
        _endpoint(
            "custom_field_choices",
            "custom-field-choices",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | {"active", "for_choice_ids", "for_custom_fields", "matching", "per_custom_field"},
            [_s("custom_field_id"), _s("label"), _i("position"), *_STAMPS],
            sorts={"label", "position"},
            default_order="position:asc",
            includes={"custom_field", "external_references"},
            gated={"custom_field_id": "custom_field"},
        ),
        _endpoint(
            "workweeks",
            "workweeks",
            CREATED | UPDATED | {"effective_date"},
            [_d("start_date"), _d("end_date"), _b("default"), *_WEEKDAY_MINUTES, *_STAMPS],
            sorts={"created_at", "start_date"},
            default_order="start_date:asc",
            includes={"workweek_memberships"},
        ),
        _endpoint(
            "workweek_memberships",
            "workweek-memberships",
            CREATED
            | UPDATED
            | {"effective_date", "participants_for_workspace_id", "participating_with", "user_ids"},
            [_i("user_id"), _s("workweek_id"), _d("start_date"), _d("end_date"), *_STAMPS],
            sorts={"start_date"},
            default_order="start_date:asc",
            includes={"user", "workweek"},
            gated={"workweek_id": "workweek"},
        ),
        _endpoint(
            "holiday_calendars",
            "holiday-calendars",
            {"matching"},
            [_s("name"), _b("default")],
            sorts={"name"},  # and the bare value ``default``
            default_order="default",
        ),
        _endpoint(
            "holiday_calendar_memberships",
            "holiday-calendar-memberships",
            CREATED | UPDATED | {"by_holiday_calendar_id", "by_user_id"},
            [
                _i("user_id"),
                _s("holiday_calendar_id"),
                _d("start_date"),
                _d("end_date"),
                _b("in_use"),
                *_STAMPS,
            ],
            sorts={"start_date"},
            default_order="start_date:desc",
            includes={"holiday_calendar", "user"},
            gated={"holiday_calendar_id": "holiday_calendar"},
        ),
        _endpoint(
            "holidays",
            "holidays",
            {"matching", "not_on_calendars", "optional_fields"},
            [_s("name"), _d("start_date"), _d("end_date"), _b("paid"), _i("total_hours")],
            sorts={"start_date"},
            default_order="start_date:asc",
            includes={"holiday_calendar_associations"},
            gated={"holiday_calendar_association_ids": "holiday_calendar_associations"},
        ),
        _endpoint(
            "holiday_calendar_associations",
            "holiday-calendar-associations",
            {"by_holiday_calendar_id", "by_holiday_name"},
            [
                _s("holiday_id"),
                _s("holiday_calendar_id"),
                _s("holiday_name"),
                _s("holiday_calendar_name"),
            ],
            includes={"holiday", "holiday_calendar"},
            gated={"holiday_id": "holiday", "holiday_calendar_id": "holiday_calendar"},
            note="no order parameter, no updated_after",
        ),
        _endpoint(
            "workspaces",
            "workspaces",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | CUSTOM_VALUE_FILTERS
            | _names(
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
                _s("title"),
                Field("status", "object"),  # {color, key, message}; key e.g. '501'
                _b("archived"),
                _d("start_date"),
                _d("due_date"),
                _i("price_in_cents"),
                _s("currency"),
                _b("budgeted"),
                _i("estimated_minutes"),  # optional_fields=estimated_minutes
                _b("stories_are_fixed_fee_by_default"),
                *_STAMPS,
            ],
            sorts=_names(
                "amount_paid color_name created_at due_date last_viewed percentage_complete price "
                "provider_lead_name start_date status task_status_set title updated_at"
            ),  # also custom_field:<id> and the bare value ``search``
            default_order="updated_at:desc",
            includes=_names(
                "account_color account_insights_mappings approver approvers billing_milestones "
                "creator current_status_report current_user_participation custom_field_values "
                "external_references financial_viewers next_uncompleted_milestone participants "
                "participations possible_approvers primary_counterpart primary_maven "
                "primary_workspace_group status_reports timesheet_submissions workspace_groups "
                "workspace_resources workspace_resources_with_unnamed"
            ),
            note="archived projects only with include_archived=true",
        ),
        _endpoint(
            "time_entries",
            "time-entries",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | _names(
                "approved billable created_by date_performed_between from_archived_workspaces "
                "in_active_invoice_id in_active_submission invoiced on_my_account optional_fields "
                "uninvoiced with_recent_timesheet_ids with_timesheet_id with_user_ids workspace_id "
                "workspace_ids"
            ),
            [
                _s("user_id"),
                _s("workspace_id"),
                _d("date_performed"),
                _i("time_in_minutes"),
                _b("billable"),
                _i("rate_in_cents"),
                _s("notes"),
                *_STAMPS,
            ],
            sorts={"created_at", "date_performed", "updated_at"},
            default_order="date_performed:desc",
            includes=_names(
                "active_submission external_references invoice recent_submission role story user "
                "workspace"
            ),
            gated={"user_id": "user", "workspace_id": "workspace"},
            note="entries of archived projects only with from_archived_workspaces=true",
        ),
        _endpoint(
            "timesheet_submissions",
            "timesheet-submissions",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | _names(
                "active end_date not_cancelled start_date start_date_after statuses user_ids "
                "workspace_id workspace_ids"
            ),
            [
                _s("user_id"),
                _s("workspace_id"),
                _d("start_date"),
                _d("end_date"),
                _s("status"),  # 'approved', 'rejected', 'cancelled', 'pending'
                *_STAMPS,
            ],
            sorts={"date"},
            default_order="date:desc",
            includes={"external_references", "time_entries", "user", "workspace"},
            gated={"user_id": "user", "workspace_id": "workspace"},
            note="one submission per user, week and project",
        ),
        _endpoint(
            "time_off_entries",
            "time-off-entries",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | {"end_date", "start_date", "user_id", "user_ids", "workspace_id"},
            [_s("user_id"), _d("requested_date"), Field("hours", "number"), _d("submission_date")],
            includes={"external_references", "role", "user"},
            gated={"user_id": "user", "role_id": "role"},
            note="no order parameter; the schema has no updated_at",
        ),
        _endpoint(
            "workspace_resources",
            "workspace-resources",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | CUSTOM_VALUE_FILTERS
            | _names(
                "include_unnamed matching only_unnamed optional_fields "
                "potential_workspace_resource_for_story_with_unnamed_resources "
                "potential_workspace_resources_for_reassignment "
                "potential_workspace_resources_for_story providers providers_with_unnamed role_id "
                "user_id with_organizations workspace_id"
            ),
            [_i("workspace_id"), _s("user_id"), _s("role_id"), *_STAMPS],
            sorts={"alphabetically", "created_at", "updated_at"},  # and the bare ``alphabetical``
            default_order="updated_at:desc",
            includes=_names(
                "custom_field_values external_references organization_membership "
                "participation role user workspace"
            ),
            gated={"user_id": "user", "role_id": "role"},
        ),
        _endpoint(
            "workspace_allocations",
            "workspace-allocations",
            CREATED
            | UPDATED
            | EXTERNAL_REFERENCES
            | _names(
                "named_resources_only overlaps_with_date_range type unnamed_resources_only "
                "user_ids workspace_ids workspace_resource_ids"
            ),
            [
                _s("workspace_resource_id"),
                _s("workspace_id"),
                _d("start_date"),
                _d("end_date"),
                _i("minutes"),
                _b("hard"),
                *_STAMPS,
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
}

# sort values some endpoints list without a direction
_BARE_SORTS = {
    "holiday_calendars": {"default"},
    "workspaces": {"search"},
    "workspace_resources": {"alphabetical"},
}


def endpoint(name: str) -> Endpoint:
    return ENDPOINTS[name]


def is_incremental(ep: Endpoint) -> bool:
    """Both a documented ``updated_after`` filter and an ``updated_at`` sort, on an object
    that carries ``updated_at``: only then can a cursor be trusted."""
    return (
        "updated_after" in ep.params and "updated_at" in ep.sorts and "updated_at" in ep.field_names
    )


def includes_of(query_value: str | None) -> list[str]:
    return [part.strip() for part in (query_value or "").split(",") if part.strip()]


def order_terms(ep: Endpoint, value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``order=field:dir[,field:dir]`` -> the valid ``(field, dir)`` terms and a problem per
    term the endpoint does not list (the API ignores those)."""
    terms: list[tuple[str, str]] = []
    problems: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if part in _BARE_SORTS.get(ep.name, set()):
            terms.append((part, "asc"))
            continue
        field, _, direction = part.rpartition(":")
        if field in ep.sorts and direction in ("asc", "desc"):
            terms.append((field, direction))
        else:
            valid = ", ".join(sorted(ep.sorts)) or "none"
            problems.append(f"{ep.path}: order {part!r} is not a listed sort (valid: {valid})")
    return terms, problems


def request_problems(ep: Endpoint, query: dict[str, str]) -> list[str]:
    """Undocumented or missing parameters, unlisted sorts and unknown includes."""
    problems = ep.request_problems(query)
    if "order" in query:
        problems += order_terms(ep, query["order"])[1]
    unknown = [i for i in includes_of(query.get("include")) if i not in ep.extra["includes"]]
    problems += [f"{ep.path}: include {name!r} is not documented" for name in unknown]
    return problems
