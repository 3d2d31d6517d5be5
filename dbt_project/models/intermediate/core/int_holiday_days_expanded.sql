-- One row per holiday calendar and day that is a holiday of it: every Kantata holiday
-- (start_date..end_date, possibly several days) expanded to its days, for each calendar
-- that holds it through holiday_calendar_associations. Two holidays of one calendar on the
-- same day make one row.
with

holidays as (

    select * from {{ ref('stg_kantata__holidays') }}

),

associations as (

    select * from {{ ref('stg_kantata__holiday_calendar_associations') }}

),

days as (

    select * from {{ ref('int_dates_spined') }}

),

calendar_holidays as (

    select distinct
        associations.holiday_calendar_id,
        holidays.holiday_id,
        holidays.holiday_name,
        holidays.is_paid,
        holidays.start_date,
        holidays.end_date
    from associations
    inner join holidays
        on associations.holiday_id = holidays.holiday_id

),

expanded as (

    select
        calendar_holidays.holiday_calendar_id,
        days.date_day,
        min(calendar_holidays.holiday_name) as holiday_name,
        bool_or(calendar_holidays.is_paid) as is_paid
    from calendar_holidays
    inner join days
        on days.date_day between calendar_holidays.start_date and calendar_holidays.end_date
    group by calendar_holidays.holiday_calendar_id, days.date_day

)

select * from expanded
