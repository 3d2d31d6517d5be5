{{ config(tags=['nightly']) }}
-- tag nightly: run by the nightly full refresh and in CI, not by the hourly one
-- Reconciliation, derived from staging independently of the utilization models: per month,
-- the org row's billable_hours in mart_utilization_monthly equals the hours of every time
-- entry of a Kantata user in a delivery role (the seed utilization_targets lists their
-- current account membership's role) that is billable, on a workspace whose Engagement Type
-- is not Internal, and not in a rejected timesheet (the latest submission of the entry's
-- own user, workspace and week), on the days fct_utilization_daily covers (first time
-- entry or var utilization_start_date .. the last full day). Returns the months that
-- differ (or exist on one side only).
with

time_entries as (

    select * from {{ ref('stg_kantata__time_entries') }}

),

users as (

    select * from {{ ref('stg_kantata__users') }}

),

submissions as (

    select * from {{ ref('stg_kantata__timesheet_submissions') }}

),

field_values as (

    select * from {{ ref('stg_kantata__custom_field_values') }}

),

custom_fields as (

    select * from {{ ref('stg_kantata__custom_fields') }}

),

choices as (

    select * from {{ ref('stg_kantata__custom_field_choices') }}

),

memberships as (

    select * from {{ ref('stg_kantata__account_memberships') }}

),

roles as (

    select * from {{ ref('stg_kantata__roles') }}

),

role_targets as (

    select * from {{ ref('utilization_targets') }}

),

delivery_users as (

    -- the current membership's role (the one not disabled, else the latest)
    select user_id
    from (
        select
            memberships.user_id,
            role_targets.role is not null as is_delivery_role,
            row_number() over (
                partition by memberships.user_id
                order by memberships.is_disabled, memberships.updated_at desc nulls last,
                    memberships.account_membership_id
            ) as position
        from memberships
        left join roles
            on memberships.role_id = roles.role_id
        left join role_targets
            on roles.role_name = role_targets.role
    ) as ranked
    where position = 1 and is_delivery_role

),

monthly as (

    select * from {{ ref('mart_utilization_monthly') }}
    where grain = 'org'

),

internal_workspaces as (

    -- Engagement Type is a choice field: its value is the 'Internal' choice's id
    select distinct field_values.subject_id as workspace_id
    from field_values
    inner join custom_fields
        on field_values.custom_field_id = custom_fields.custom_field_id
    left join choices
        on field_values.custom_field_value = choices.custom_field_choice_id
    where field_values.subject_type = 'Workspace'
        and lower(custom_fields.custom_field_name) = 'engagement type'
        and lower(coalesce(choices.choice_label, field_values.custom_field_value)) = 'internal'

),

entry_status as (

    -- every entry once, with the status of the latest submission of its own user,
    -- workspace and week (NULL: none), ranked in one pass (a join back to the entries
    -- makes PostgreSQL re-rank per entry)
    select
        time_entry_id, user_id, workspace_id, performed_date, time_in_minutes, is_billable,
        submission_status
    from (
        select
            time_entries.time_entry_id,
            time_entries.user_id,
            time_entries.workspace_id,
            time_entries.performed_date,
            time_entries.time_in_minutes,
            time_entries.is_billable,
            submissions.submission_status,
            row_number() over (
                partition by time_entries.time_entry_id
                order by submissions.updated_at desc nulls last,
                    submissions.timesheet_submission_id desc nulls last
            ) as position
        from time_entries
        left join submissions
            on time_entries.user_id = submissions.user_id
            and time_entries.workspace_id = submissions.workspace_id
            and time_entries.performed_date between submissions.start_date and submissions.end_date
    ) as ranked
    where position = 1

),

window_bounds as (

    select
        {%- if var('utilization_start_date') %}
        cast('{{ var("utilization_start_date") }}' as date) as first_day,
        {%- else %}
        min(performed_date) as first_day,
        {%- endif %}
        cast({{ last_full_day() }} as date) as last_day
    from time_entries

),

expected as (

    select
        cast({{ dbt.date_trunc('month', 'entry_status.performed_date') }} as date) as month_start,
        sum(entry_status.time_in_minutes) / 60.0 as billable_hours
    from entry_status
    inner join users
        on entry_status.user_id = users.user_id
    inner join delivery_users
        on entry_status.user_id = delivery_users.user_id
    left join internal_workspaces
        on entry_status.workspace_id = internal_workspaces.workspace_id
    where entry_status.is_billable
        and internal_workspaces.workspace_id is null
        and coalesce(entry_status.submission_status, '') <> 'rejected'
        -- scalar subqueries, computed once (a cross join with the one-row bounds made
        -- PostgreSQL re-aggregate the time entries for every entry)
        and entry_status.performed_date
            between (select first_day from window_bounds) and (select last_day from window_bounds)
    group by cast({{ dbt.date_trunc('month', 'entry_status.performed_date') }} as date)

),

compared as (

    select
        coalesce(expected.month_start, monthly.month_start) as month_start,
        coalesce(expected.billable_hours, 0) as expected_billable_hours,
        coalesce(monthly.billable_hours, 0) as mart_billable_hours
    from expected
    full outer join monthly
        on expected.month_start = monthly.month_start

)

select *
from compared
where abs(expected_billable_hours - mart_billable_hours) > 0.001
