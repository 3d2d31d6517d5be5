-- One row per calendar quarter up to the as-of date's quarter with the hours of one FTE
-- in each region (DOMAIN.md §9): 8 × the region's working days (Mon-Fri, not a holiday of
-- the region's primary holiday calendar, int_calendar_days). The as-of quarter counts its
-- days to the last full day (as-of - 1) only: quarter to date, like the hours logged in it.
with

days as (

    select * from {{ ref('int_calendar_days') }}
    where quarter_start <= cast({{ dbt.date_trunc('quarter', as_of_date()) }} as date)

),

final as (

    select
        quarter_start,
        quarter,
        max(date_day) as quarter_end,
        quarter_start = cast({{ dbt.date_trunc('quarter', as_of_date()) }} as date)
            as is_as_of_quarter,
        cast(8.0 * sum(
            case when is_working_day_amer and date_day < {{ as_of_date() }} then 1 else 0 end
        ) as {{ type_double() }}) as fte_hours_amer,
        cast(8.0 * sum(
            case when is_working_day_emea and date_day < {{ as_of_date() }} then 1 else 0 end
        ) as {{ type_double() }}) as fte_hours_emea,
        cast(8.0 * sum(
            case when is_working_day_apac and date_day < {{ as_of_date() }} then 1 else 0 end
        ) as {{ type_double() }}) as fte_hours_apac,
        cast(8.0 * sum(
            case when is_weekday and date_day < {{ as_of_date() }} then 1 else 0 end
        ) as {{ type_double() }}) as fte_hours_weekdays
    from days
    group by quarter_start, quarter

)

select * from final
