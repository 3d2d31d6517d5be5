-- One row per person, ISO week (Monday) and workspace on which they logged time that week
-- or hold a timesheet submission for it (DOMAIN.md §11). Kantata submits a timesheet per
-- user x week x workspace, so each logged workspace needs its own submission. Only what
-- existed before the as-of date counts: time performed and submissions created before it.
-- first_submitted_at: the workspace-week's earliest submission (any status: a submission
-- later rejected was still handed in then; rejections are counted apart).
with

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

submissions as (

    select * from {{ ref('stg_kantata__timesheet_submissions') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'kantata'

),

logged as (

    select
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        engagement_id,
        sum(hours) as logged_hours
    from time_entries
    where consultant_key is not null
        and engagement_id is not null
        and time_in_minutes > 0
        and date_day < {{ as_of_date() }}
    group by
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date),
        engagement_id

),

submitted as (

    select
        identities.consultant_key,
        cast({{ dbt.date_trunc('week', 'submissions.start_date') }} as date) as week_start,
        submissions.workspace_id as engagement_id,
        count(*) as submissions,
        count(case when submissions.is_rejected then 1 end) as rejected_submissions,
        min(submissions.submitted_at) as first_submitted_at
    from submissions
    inner join identities
        on submissions.user_id = identities.source_id
    where submissions.submitted_at < cast({{ as_of_date() }} as timestamp)
        and submissions.start_date is not null
    group by
        identities.consultant_key,
        cast({{ dbt.date_trunc('week', 'submissions.start_date') }} as date),
        submissions.workspace_id

),

final as (

    select
        coalesce(logged.consultant_key, submitted.consultant_key) as consultant_key,
        coalesce(logged.week_start, submitted.week_start) as week_start,
        coalesce(logged.engagement_id, submitted.engagement_id) as engagement_id,
        logged.consultant_key is not null as has_time_logged,
        cast(coalesce(logged.logged_hours, 0) as {{ type_double() }}) as logged_hours,
        cast(coalesce(submitted.submissions, 0) as integer) as submissions,
        cast(coalesce(submitted.rejected_submissions, 0) as integer) as rejected_submissions,
        submitted.first_submitted_at
    from logged
    full outer join submitted
        on logged.consultant_key = submitted.consultant_key
        and logged.week_start = submitted.week_start
        and logged.engagement_id = submitted.engagement_id

)

select * from final
