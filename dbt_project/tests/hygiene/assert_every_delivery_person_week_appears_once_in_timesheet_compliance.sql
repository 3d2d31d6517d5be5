{{ config(tags=['nightly']) }}
-- tag nightly: run by the nightly full refresh and in CI, not by the hourly one
-- Reconciliation of timesheet compliance (DOMAIN.md §11): every person-week with a day in a
-- delivery role and capacity > 0 in fct_utilization_daily (the utilization population) is
-- in fct_timesheet_compliance exactly once and no other week is; and each week's org row of
-- mart_timesheet_compliance_weekly counts exactly the fact's rows of that week, by status.
-- Returns the offending person-weeks / weeks.
with

daily as (

    select * from {{ ref('fct_utilization_daily') }}

),

compliance as (

    select * from {{ ref('fct_timesheet_compliance') }}

),

weekly as (

    select * from {{ ref('mart_timesheet_compliance_weekly') }}
    where grain = 'org'

),

expected as (

    select distinct
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start
    from daily
    where is_delivery_role
        and capacity_hours > 0

),

actual as (

    select consultant_key, week_start, count(*) as row_count
    from compliance
    group by consultant_key, week_start

),

person_weeks as (

    select
        'person_week' as failure,
        coalesce(expected.consultant_key, actual.consultant_key) as consultant_key,
        coalesce(expected.week_start, actual.week_start) as week_start,
        coalesce(actual.row_count, 0) as row_count
    from expected
    full outer join actual
        on expected.consultant_key = actual.consultant_key
        and expected.week_start = actual.week_start
    where expected.consultant_key is null
        or coalesce(actual.row_count, 0) <> 1

),

fact_weeks as (

    select
        week_start,
        count(*) as people,
        count(case when status = 'on_time' then 1 end) as on_time,
        count(case when status = 'late' then 1 end) as late,
        count(case when status = 'missing' then 1 end) as missing,
        count(case when status = 'not_due' then 1 end) as not_due
    from compliance
    group by week_start

),

week_mismatch as (

    select
        'org_week' as failure,
        cast(null as varchar) as consultant_key,
        coalesce(fact_weeks.week_start, weekly.week_start) as week_start,
        coalesce(weekly.people, 0) - coalesce(fact_weeks.people, 0) as row_count
    from fact_weeks
    full outer join weekly
        on fact_weeks.week_start = weekly.week_start
    where coalesce(weekly.people, -1) <> coalesce(fact_weeks.people, -1)
        or weekly.on_time <> fact_weeks.on_time
        or weekly.late <> fact_weeks.late
        or weekly.missing <> fact_weeks.missing
        or weekly.not_due <> fact_weeks.not_due

)

select * from person_weeks
union all
select * from week_mismatch
