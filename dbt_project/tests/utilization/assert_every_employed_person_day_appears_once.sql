{{ config(tags=['nightly']) }}
-- tag nightly: run by the nightly full refresh and in CI, not by the hourly one
-- Completeness and uniqueness of the utilization grain, derived from dim_consultant and
-- dim_date: every day a consultant (a Kantata user) is employed within the window of
-- fct_utilization_daily (its first day .. the last full day) is in the fact exactly once,
-- and each month's org row in mart_utilization_monthly counts exactly the fact's
-- person-days of that month in a delivery role (the utilization population). Returns the
-- offending person-days / months.
with

consultants as (

    select * from {{ ref('dim_consultant') }}
    where has_kantata_user

),

dates as (

    select * from {{ ref('dim_date') }}

),

daily as (

    select * from {{ ref('fct_utilization_daily') }}

),

monthly as (

    select * from {{ ref('mart_utilization_monthly') }}
    where grain = 'org'

),

window_bounds as (

    select
        min(date_day) as first_day,
        cast({{ last_full_day() }} as date) as last_day
    from daily

),

expected_days as (

    select
        consultants.consultant_key,
        dates.date_day
    from consultants
    cross join window_bounds
    inner join dates
        on dates.date_day between window_bounds.first_day and window_bounds.last_day
    where dates.date_day >= coalesce(consultants.hire_date, window_bounds.first_day)
        and dates.date_day <= coalesce(consultants.termination_date, window_bounds.last_day)

),

fact_days as (

    select consultant_key, date_day, count(*) as row_count
    from daily
    group by consultant_key, date_day

),

missing_or_duplicated as (

    select
        'person_day' as failure,
        coalesce(expected_days.consultant_key, fact_days.consultant_key) as consultant_key,
        coalesce(expected_days.date_day, fact_days.date_day) as date_day,
        coalesce(fact_days.row_count, 0) as row_count
    from expected_days
    left join fact_days
        on expected_days.consultant_key = fact_days.consultant_key
        and expected_days.date_day = fact_days.date_day
    where coalesce(fact_days.row_count, 0) <> 1

    union all

    select 'duplicate_person_day' as failure, consultant_key, date_day, row_count
    from fact_days
    where row_count > 1

),

fact_months as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        count(*) as person_days
    from daily
    where is_delivery_role
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date)

),

month_mismatch as (

    select
        'org_person_days' as failure,
        cast(null as varchar) as consultant_key,
        coalesce(fact_months.month_start, monthly.month_start) as date_day,
        coalesce(monthly.person_days, 0) - coalesce(fact_months.person_days, 0) as row_count
    from fact_months
    full outer join monthly
        on fact_months.month_start = monthly.month_start
    where coalesce(monthly.person_days, -1) <> coalesce(fact_months.person_days, -1)

)

select * from missing_or_duplicated
union all
select * from month_mismatch
