-- Hygiene rule time_after_workspace_due (DOMAIN.md §11): time logged on a workspace more
-- than 30 days after its due date (performed > due date + 30, before the as-of date, not
-- rejected), one finding per workspace: the due date is stale or the time is misbooked.
with

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

late_time as (

    select
        workspaces.workspace_id,
        workspaces.workspace_title,
        workspaces.due_date,
        count(*) as entries,
        sum(time_entries.hours) as hours,
        min(time_entries.date_day) as first_day,
        max(time_entries.date_day) as last_day
    from time_entries
    inner join workspaces
        on time_entries.engagement_id = workspaces.workspace_id
    where workspaces.due_date is not null
        and not time_entries.is_rejected
        and time_entries.date_day > {{ dbt.dateadd('day', 30, 'workspaces.due_date') }}
        and time_entries.date_day < {{ as_of_date() }}
    group by workspaces.workspace_id, workspaces.workspace_title, workspaces.due_date

),

final as (

    select
        cast(workspace_id as varchar) as record_id,
        '"' || coalesce(workspace_title, '') || '" due ' || cast(due_date as varchar) || ': '
        || cast(entries as varchar)
        || case when entries = 1 then ' entry, ' else ' entries, ' end
        || {{ hygiene_round_text('hours') }} || ' h logged ' || cast(first_day as varchar)
        || '..' || cast(last_day as varchar)
        || ', over 30 days after the due date' as detail
    from late_time

)

select * from final
