-- Reconciliation, derived from staging independently of the utilization models: per month,
-- the org row's billable_hours in mart_utilization_monthly equals the hours of every time
-- entry of a Kantata user that is billable, on a workspace whose Engagement Type is not
-- Internal, and not in a rejected timesheet (the latest submission covering its day), on
-- the days fct_utilization_daily covers (first time entry or var utilization_start_date
-- .. the last full day). Returns the months that differ (or exist on one side only).
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

monthly as (

    select * from {{ ref('mart_utilization_monthly') }}
    where grain = 'org'

),

internal_workspaces as (

    select distinct subject_id as workspace_id
    from field_values
    where subject_type = 'Workspace'
        and lower(custom_field_name) = 'engagement type'
        and lower(custom_field_value) = 'internal'

),

latest_submission as (

    select time_entry_id, submission_status
    from (
        select
            time_entries.time_entry_id,
            submissions.submission_status,
            row_number() over (
                partition by time_entries.time_entry_id
                order by submissions.updated_at desc, submissions.timesheet_submission_id desc
            ) as position
        from time_entries
        inner join submissions
            on time_entries.user_id = submissions.user_id
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
        cast({{ dbt.date_trunc('month', 'time_entries.performed_date') }} as date) as month_start,
        sum(time_entries.time_in_minutes) / 60.0 as billable_hours
    from time_entries
    cross join window_bounds
    inner join users
        on time_entries.user_id = users.user_id
    left join internal_workspaces
        on time_entries.workspace_id = internal_workspaces.workspace_id
    left join latest_submission
        on time_entries.time_entry_id = latest_submission.time_entry_id
    where time_entries.is_billable
        and internal_workspaces.workspace_id is null
        and coalesce(latest_submission.submission_status, '') <> 'rejected'
        and time_entries.performed_date between window_bounds.first_day and window_bounds.last_day
    group by cast({{ dbt.date_trunc('month', 'time_entries.performed_date') }} as date)

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
