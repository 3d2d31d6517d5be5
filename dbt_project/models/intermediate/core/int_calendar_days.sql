-- One row per day of the calendar (int_dates_spined) with its week, month, quarter and year,
-- and whether it is a weekday, a holiday and a working day in each region (the region's
-- primary holiday calendar). The body of dim_date; intermediate models read this one.
with

days as (

    select * from {{ ref('int_dates_spined') }}

),

calendar_regions as (

    select * from {{ ref('int_holiday_calendars_mapped_to_regions') }}
    where is_region_primary_calendar

),

holiday_days as (

    select * from {{ ref('int_holiday_days_expanded') }}

),

region_holidays as (

    select
        holiday_days.date_day,
        max(case when calendar_regions.region = 'AMER' then 1 else 0 end) = 1 as is_holiday_amer,
        max(case when calendar_regions.region = 'EMEA' then 1 else 0 end) = 1 as is_holiday_emea,
        max(case when calendar_regions.region = 'APAC' then 1 else 0 end) = 1 as is_holiday_apac
    from holiday_days
    inner join calendar_regions
        on holiday_days.holiday_calendar_id = calendar_regions.holiday_calendar_id
    group by holiday_days.date_day

),

attributes as (

    select
        days.date_day,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start,
        cast(extract(isoyear from days.date_day) as integer) as iso_year,
        cast(extract(week from days.date_day) as integer) as iso_week,
        cast(extract(isodow from days.date_day) as integer) as iso_day_of_week,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start,
        cast(extract(year from days.date_day) as integer) as year_number,
        cast(extract(quarter from days.date_day) as integer) as quarter_number,
        extract(isodow from days.date_day) <= 5 as is_weekday,
        coalesce(region_holidays.is_holiday_amer, false) as is_holiday_amer,
        coalesce(region_holidays.is_holiday_emea, false) as is_holiday_emea,
        coalesce(region_holidays.is_holiday_apac, false) as is_holiday_apac
    from days
    left join region_holidays
        on days.date_day = region_holidays.date_day

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
        {{ dbt.concat(["cast(year_number as varchar)", "'-Q'", "cast(quarter_number as varchar)"]) }}
            as quarter,
        year_number,
        is_weekday,
        is_holiday_amer,
        is_holiday_emea,
        is_holiday_apac,
        is_weekday and not is_holiday_amer as is_working_day_amer,
        is_weekday and not is_holiday_emea as is_working_day_emea,
        is_weekday and not is_holiday_apac as is_working_day_apac
    from attributes

)

select * from final
