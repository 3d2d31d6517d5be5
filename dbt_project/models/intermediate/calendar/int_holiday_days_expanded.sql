-- One row per holiday calendar and day that is a holiday of it (multi-day holidays
-- expanded to their days).
with

holidays as (

    select * from {{ ref('stg_kantata__holidays') }}

),

days as (

    select * from {{ ref('int_dates_spined') }}

),

expanded as (

    select
        holidays.holiday_calendar_id,
        days.date_day,
        min(holidays.holiday_name) as holiday_name,
        max(holidays.holiday_hours) as holiday_hours
    from holidays
    inner join days
        on days.date_day between holidays.start_date and holidays.end_date
    group by holidays.holiday_calendar_id, days.date_day

)

select * from expanded
