with

daily as (

    -- the utilization population only (DOMAIN.md §2): days in a delivery role
    select * from {{ ref('fct_utilization_daily') }}
    where is_delivery_role

),

with_week as (

    select
        daily.*,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        -- the org of the person's last day in the week labels the week
        row_number() over (
            partition by consultant_key, cast({{ dbt.date_trunc('week', 'date_day') }} as date)
            order by date_day desc
        ) = 1 as is_last_day_of_week
    from daily

),

weekly as (

    -- sums first; the ratios are taken of the sums (macros/utilization/utilization_rollup.sql)
    select
        consultant_key,
        week_start,
        max(case when is_last_day_of_week then region end) as region,
        max(case when is_last_day_of_week then role end) as role,
        max(case when is_last_day_of_week then team end) as team,
        count(*) as days_in_window,
        {{ utilization_sums() }}
    from with_week
    group by consultant_key, week_start

),

ratios as (

    {{ utilization_ratios('weekly') }}

),

final as (

    select
        consultant_key,
        week_start,
        cast(extract(isoyear from week_start) as integer) as iso_year,
        cast(extract(week from week_start) as integer) as iso_week,
        region,
        role,
        team,
        cast(days_in_window as integer) as days_in_window,
        {{ dbt.dateadd('day', 6, 'week_start') }} < {{ as_of_date() }} as is_complete_week,
        {{ utilization_measures() }}
    from ratios

)

select * from final
