-- One row per SLA clock (ticket in scope x metric with a policy and a calendar): when it
-- started and stopped (UTC), DOMAIN.md §3. Both clocks start at creation.
-- first_response stops at the first entry into a status whose category is not "new"
-- (To Do): the first time the ticket leaves To Do. resolution stops at the LAST entry
-- into a status of category "done" when the ticket is done now; a ticket reopened and not
-- done again is still running. Nothing after the as-of date (00:00 UTC) is seen: a clock
-- that has not stopped by then is running and is measured up to the as-of date.
with

policies_matched as (

    select * from {{ ref('int_sla_policies_matched') }}

),

status_intervals as (

    select * from {{ ref('int_jira_status_intervals') }}

),

clocks as (

    select * from policies_matched
    where missing_reason is null

),

seen_intervals as (

    select
        *,
        row_number() over (partition by issue_id order by interval_number desc) as recency
    from status_intervals
    where valid_from < cast({{ as_of_date() }} as timestamp)

),

stops as (

    select
        issue_id,
        min(case when coalesce(status_category_key, '') <> 'new' then valid_from end)
            as first_response_stopped_at,
        max(case when recency = 1 and status_category_key = 'done' then valid_from end)
            as resolution_stopped_at
    from seen_intervals
    group by issue_id

),

final as (

    select
        clocks.issue_id,
        clocks.issue_key,
        clocks.project_key,
        clocks.issue_type,
        clocks.priority,
        clocks.metric,
        clocks.policy_id,
        clocks.goal_business_hours,
        clocks.pause_statuses,
        clocks.calendar,
        clocks.created_at as started_at,
        case clocks.metric
            when 'first_response' then stops.first_response_stopped_at
            when 'resolution' then stops.resolution_stopped_at
        end as stopped_at
    from clocks
    left join stops
        on clocks.issue_id = stops.issue_id

)

select
    *,
    stopped_at is null as is_running
from final
