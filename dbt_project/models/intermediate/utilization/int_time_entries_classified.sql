-- One row per time entry, with the person's consultant_key, its timesheet status and the
-- hour category it counts in (rejected entries count nowhere). Kantata submits timesheets
-- per user x week x workspace: an entry takes the status of the submission of its own
-- user, workspace and week, never another project's.
with

time_entries as (

    select * from {{ ref('stg_kantata__time_entries') }}

),

submissions as (

    select * from {{ ref('stg_kantata__timesheet_submissions') }}

),

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'kantata'

),

entry_submission as (

    -- the latest submission of the entry's user and workspace covering its day
    select *
    from (
        select
            time_entries.time_entry_id,
            submissions.submission_status,
            row_number() over (
                partition by time_entries.time_entry_id
                order by submissions.updated_at desc nulls last,
                    submissions.timesheet_submission_id desc nulls last
            ) as submission_rank
        from time_entries
        inner join submissions
            on time_entries.user_id = submissions.user_id
            and time_entries.workspace_id = submissions.workspace_id
            and time_entries.performed_date
            between submissions.start_date and submissions.end_date
    ) as ranked
    where submission_rank = 1

),

classified as (

    select
        time_entries.time_entry_id,
        identities.consultant_key,
        time_entries.user_id as kantata_user_id,
        time_entries.workspace_id as engagement_id,
        time_entries.performed_date as date_day,
        time_entries.time_in_minutes,
        time_entries.hours,
        time_entries.is_billable,
        not coalesce(workspaces.is_internal, false) as is_client_engagement,
        case entry_submission.submission_status
            when 'approved' then 'approved'
            when 'rejected' then 'rejected'
            when 'pending' then 'submitted'
            when 'submitted' then 'submitted'
            else 'not_submitted'
        end as submission_status,
        coalesce(entry_submission.submission_status = 'rejected', false) as is_rejected,
        case
            when coalesce(workspaces.is_internal, false) then 'internal'
            when time_entries.is_billable then 'billable'
            else 'client_non_billable'
        end as hour_category,
        time_entries.rate_in_cents
    from time_entries
    left join entry_submission
        on time_entries.time_entry_id = entry_submission.time_entry_id
    left join workspaces
        on time_entries.workspace_id = workspaces.workspace_id
    left join identities
        on time_entries.user_id = identities.source_id

)

select * from classified
