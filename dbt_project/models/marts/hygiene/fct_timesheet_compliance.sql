-- Timesheet compliance (DOMAIN.md §11): one row per delivery person and ISO week with
-- capacity > 0, i.e. the weeks where fct_utilization_daily has days of theirs in a delivery
-- role whose capacity sums above 0 (the utilization population, DOMAIN.md §2). Region and
-- team: the person's org on their last such day of the week.
-- The week is due at deadline_at: the seed timesheet_policy's weekday and time of the
-- person's region, the first such day after the week's Sunday, in the time zone of the
-- region's business calendar (business_calendars), converted to UTC. No region (or no
-- policy row for it): the latest deadline of all regions; no calendar for it: UTC.
-- status: not_due while the deadline is after the as-of date; else missing when a
-- workspace they logged time on that week has no submission yet, late when the last of
-- those submissions came after the deadline, on_time otherwise (also a week without
-- logged time: nothing to submit).
with

daily as (

    select * from {{ ref('fct_utilization_daily') }}
    where is_delivery_role

),

workspace_weeks as (

    select * from {{ ref('int_timesheet_workspace_weeks') }}

),

policies as (

    select * from {{ ref('timesheet_policy') }}

),

calendars as (

    select * from {{ ref('business_calendars') }}

),

person_weeks as (

    select
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        max(case when is_last_day then region end) as region,
        max(case when is_last_day then team end) as team,
        sum(capacity_hours) as capacity_hours
    from (
        select
            daily.*,
            row_number() over (
                partition by
                    consultant_key, cast({{ dbt.date_trunc('week', 'date_day') }} as date)
                order by date_day desc
            ) = 1 as is_last_day
        from daily
    ) as days
    group by consultant_key, cast({{ dbt.date_trunc('week', 'date_day') }} as date)
    having sum(capacity_hours) > 0

),

weeks as (

    select distinct week_start from person_weeks

),

policy_deadlines as (

    -- each region's deadline for each week, local time -> UTC
    select
        weeks.week_start,
        policies.region,
        timezone(
            'UTC',
            timezone(
                coalesce(calendars.timezone, 'UTC'),
                cast({{ dbt.dateadd(
                    'day',
                    "6 + case policies.deadline_weekday when 'Mon' then 1 when 'Tue' then 2 "
                    ~ "when 'Wed' then 3 when 'Thu' then 4 when 'Fri' then 5 when 'Sat' then 6 "
                    ~ "when 'Sun' then 7 end",
                    'weeks.week_start'
                ) }} as date) + cast(policies.deadline_time as time)
            )
        ) as deadline_at
    from weeks
    cross join policies
    left join calendars
        on policies.region = calendars.calendar

),

latest_deadlines as (

    select week_start, max(deadline_at) as deadline_at
    from policy_deadlines
    group by week_start

),

logged_weeks as (

    -- the workspaces with time logged that week, and their submissions
    select
        consultant_key,
        week_start,
        count(case when has_time_logged then 1 end) as workspaces_logged,
        count(case when has_time_logged and first_submitted_at is null then 1 end)
            as workspaces_missing,
        max(case when has_time_logged then first_submitted_at end) as last_submitted_at,
        sum(submissions) as submissions,
        sum(rejected_submissions) as rejected_count
    from workspace_weeks
    group by consultant_key, week_start

),

joined as (

    select
        person_weeks.consultant_key,
        person_weeks.week_start,
        person_weeks.region,
        person_weeks.team,
        coalesce(policy_deadlines.deadline_at, latest_deadlines.deadline_at) as deadline_at,
        coalesce(logged_weeks.workspaces_logged, 0) as workspaces_logged,
        coalesce(logged_weeks.workspaces_missing, 0) as workspaces_missing,
        logged_weeks.last_submitted_at,
        coalesce(logged_weeks.submissions, 0) as submissions,
        coalesce(logged_weeks.rejected_count, 0) as rejected_count
    from person_weeks
    left join policy_deadlines
        on person_weeks.week_start = policy_deadlines.week_start
        and person_weeks.region = policy_deadlines.region
    left join latest_deadlines
        on person_weeks.week_start = latest_deadlines.week_start
    left join logged_weeks
        on person_weeks.consultant_key = logged_weeks.consultant_key
        and person_weeks.week_start = logged_weeks.week_start

),

final as (

    select
        consultant_key,
        week_start,
        region,
        team,
        cast(deadline_at as timestamp) as deadline_at,
        case
            when deadline_at > cast({{ as_of_date() }} as timestamp) then 'not_due'
            when workspaces_missing > 0 then 'missing'
            when last_submitted_at > deadline_at then 'late'
            else 'on_time'
        end as status,
        cast(workspaces_logged as integer) as workspaces_logged,
        cast(submissions as integer) as submissions,
        cast(rejected_count as integer) as rejected_count
    from joined

)

select * from final
