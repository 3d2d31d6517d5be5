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

    -- sums first; the ratios are taken of the sums
    select
        consultant_key,
        week_start,
        max(case when is_last_day_of_week then region end) as region,
        max(case when is_last_day_of_week then role end) as role,
        max(case when is_last_day_of_week then team end) as team,
        count(*) as days_in_window,
        sum(capacity_hours) as capacity_hours,
        sum(time_off_hours) as time_off_hours,
        sum(available_hours) as available_hours,
        sum(billable_hours) as billable_hours,
        sum(client_non_billable_hours) as client_non_billable_hours,
        sum(internal_hours) as internal_hours,
        sum(non_billable_hours) as non_billable_hours,
        sum(target_utilization * available_hours) as target_weighted_hours,
        avg(target_utilization) as mean_daily_target
    from with_week
    group by consultant_key, week_start

),

ratios as (

    select
        weekly.*,
        {{ safe_divide('billable_hours', 'available_hours') }} as billable_utilization,
        {{ safe_divide('billable_hours + client_non_billable_hours', 'available_hours') }}
            as productive_utilization,
        coalesce(
            {{ safe_divide('target_weighted_hours', 'available_hours') }}, mean_daily_target
        ) as target_utilization
    from weekly

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
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_hours as {{ type_double() }}) as time_off_hours,
        cast(available_hours as {{ type_double() }}) as available_hours,
        cast(billable_hours as {{ type_double() }}) as billable_hours,
        cast(client_non_billable_hours as {{ type_double() }}) as client_non_billable_hours,
        cast(internal_hours as {{ type_double() }}) as internal_hours,
        cast(non_billable_hours as {{ type_double() }}) as non_billable_hours,
        cast(billable_utilization as {{ type_double() }}) as billable_utilization,
        cast(productive_utilization as {{ type_double() }}) as productive_utilization,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast(billable_utilization - target_utilization as {{ type_double() }})
            as utilization_gap,
        coalesce(billable_utilization > 1.5, false) as is_over_150_percent
    from ratios

)

select * from final
