-- Capacity vs demand (DOMAIN.md §4) by ISO week, region and role for the 12 weeks from
-- the first Monday on or after the as-of date. Demand = allocated hours (hard and soft);
-- supply = available hours (future capacity less booked time off and holidays).
with

supply_days as (

    select * from {{ ref('int_consultant_future_days') }}

),

allocations as (

    select * from {{ ref('int_allocations_spread_daily') }}

),

days as (

    select * from {{ ref('dim_date') }}

),

supply as (

    select
        week_start,
        region,
        role,
        count(distinct consultant_key) as headcount,
        sum(capacity_hours) as capacity_hours,
        sum(time_off_hours) as time_off_hours,
        sum(available_hours) as available_hours,
        sum(target_utilization * available_hours) as target_weighted_hours
    from supply_days
    group by week_start, region, role

),

demand as (

    -- allocations of the people in the supply, in the weeks of the horizon
    select
        supply_people.week_start,
        supply_people.region,
        supply_people.role,
        sum(allocations.allocated_hours) as demand_hours,
        sum(case when allocations.is_hard then allocations.allocated_hours else 0 end)
            as demand_hard_hours
    from allocations
    inner join supply_days as supply_people
        on allocations.consultant_key = supply_people.consultant_key
        and allocations.date_day = supply_people.date_day
    group by supply_people.week_start, supply_people.region, supply_people.role

),

fte_week as (

    -- the available hours of one full-time person in the region's week: 8 h per working day
    select
        week_start,
        8.0 * sum(case when is_working_day_amer then 1 else 0 end) as hours_amer,
        8.0 * sum(case when is_working_day_emea then 1 else 0 end) as hours_emea,
        8.0 * sum(case when is_working_day_apac then 1 else 0 end) as hours_apac
    from days
    group by week_start

),

joined as (

    select
        supply.week_start,
        supply.region,
        supply.role,
        supply.headcount,
        supply.capacity_hours,
        supply.time_off_hours,
        supply.available_hours,
        coalesce(demand.demand_hours, 0) as demand_hours,
        coalesce(demand.demand_hard_hours, 0) as demand_hard_hours,
        {{ safe_divide('supply.target_weighted_hours', 'supply.available_hours') }}
            as target_utilization,
        case supply.region
            when 'AMER' then fte_week.hours_amer
            when 'EMEA' then fte_week.hours_emea
            when 'APAC' then fte_week.hours_apac
            else 40.0
        end as fte_week_hours
    from supply
    left join demand
        on supply.week_start = demand.week_start
        and supply.region = demand.region
        and supply.role = demand.role
    left join fte_week
        on supply.week_start = fte_week.week_start

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        week_start,
        cast(extract(isoyear from week_start) as integer) as iso_year,
        cast(extract(week from week_start) as integer) as iso_week,
        region,
        role,
        cast(headcount as integer) as headcount,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_hours as {{ type_double() }}) as time_off_hours,
        cast(available_hours as {{ type_double() }}) as supply_hours,
        cast(demand_hours as {{ type_double() }}) as demand_hours,
        cast(demand_hard_hours as {{ type_double() }}) as demand_hard_hours,
        cast({{ safe_divide('demand_hours', 'available_hours') }} as {{ type_double() }})
            as forecast_utilization,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast(fte_week_hours as {{ type_double() }}) as fte_week_hours,
        cast({{ safe_divide(
            'demand_hours - available_hours * target_utilization',
            'fte_week_hours * target_utilization'
        ) }} as {{ type_double() }}) as fte_gap
    from joined

)

select * from final
