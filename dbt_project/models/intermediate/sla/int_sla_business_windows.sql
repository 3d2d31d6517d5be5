-- One row per business calendar and working day: the day's working window converted from
-- the calendar's local time (its IANA time zone) to UTC, so that a clock's
-- business hours are the overlap of its UTC intervals with these windows. Working day =
-- Monday-Friday local date that is not a holiday of the calendar's Kantata holiday
-- calendar (a holiday counts as a whole day off, whatever its hours). Days span the first
-- ticket's creation date - 1 to the as-of date + 1 (the windows any clock can touch).
with

calendars as (

    select * from {{ ref('business_calendars') }}

),

holiday_days as (

    -- one row per calendar and holiday day (multi-day holidays expanded)
    select * from {{ ref('int_holiday_days_expanded') }}

),

holiday_calendars as (

    select * from {{ ref('stg_kantata__holiday_calendars') }}

),

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

bounds as (

    select
        cast(min(created_at) as date) - 1 as first_day,
        {{ as_of_date() }} + 1 as last_day
    from issues

),

days as (

    select cast(spine.day_at as date) as local_date
    from bounds,
        generate_series(
            cast(bounds.first_day as timestamp),
            cast(bounds.last_day as timestamp),
            interval '1 day'
        ) as spine (day_at)

),

calendar_holiday_days as (

    select distinct
        holiday_calendars.holiday_calendar_name,
        holiday_days.date_day as local_date
    from holiday_days
    inner join holiday_calendars
        on holiday_days.holiday_calendar_id = holiday_calendars.holiday_calendar_id

),

working_days as (

    select
        calendars.calendar,
        calendars.timezone,
        days.local_date,
        days.local_date + cast(calendars.workday_start as time) as local_start,
        days.local_date + cast(calendars.workday_end as time) as local_end
    from calendars
    cross join days
    left join calendar_holiday_days
        on calendars.holiday_calendar = calendar_holiday_days.holiday_calendar_name
        and days.local_date = calendar_holiday_days.local_date
    where extract(isodow from days.local_date) <= 5
        and calendar_holiday_days.local_date is null

),

final as (

    select
        calendar,
        local_date,
        -- timezone(zone, timestamp) reads the wall-clock time in the zone (a timestamptz),
        -- timezone('UTC', timestamptz) gives its UTC wall clock (a timestamp): the same
        -- function and meaning on DuckDB (icu) and PostgreSQL, whatever the session's zone
        timezone('UTC', timezone(timezone, local_start)) as window_start_at,
        timezone('UTC', timezone(timezone, local_end)) as window_end_at
    from working_days

)

select * from final
