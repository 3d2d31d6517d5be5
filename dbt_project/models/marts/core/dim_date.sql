-- One row per calendar day (the body is int_calendar_days).
with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

final as (

    select
        date_day,
        week_start,
        iso_year,
        iso_week,
        iso_day_of_week,
        month_start,
        quarter_start,
        quarter,
        year_number,
        is_weekday,
        is_holiday_amer,
        is_holiday_emea,
        is_holiday_apac,
        is_working_day_amer,
        is_working_day_emea,
        is_working_day_apac
    from calendar_days

)

select * from final
