-- The long-range plan (DOMAIN.md §4): for each of the four fiscal years after the as-of
-- year (fiscal = calendar), region and role: demand = the trailing-12-month (the 12 full
-- months before the as-of month) billable hours and delivered revenue, grown by
-- annual_growth_rate per year; supply = current headcount's hours in that year (FTE x 8 h
-- per working day of the region); hires needed to deliver the demand at target
-- utilization. A region's revenue is split over its roles by their share of its billable
-- hours.
with

daily as (

    select * from {{ ref('fct_utilization_daily') }}

),

actuals as (

    select * from {{ ref('int_revenue_actual_monthly') }}

),

consultants as (

    -- the utilization population: active people in a delivery role
    select * from {{ ref('dim_consultant') }}
    where has_kantata_user and is_active and is_delivery_role

),

role_targets as (

    select * from {{ ref('utilization_targets') }}

),

days as (

    select * from {{ ref('dim_date') }}

),

trailing_hours as (

    select
        region,
        role,
        sum(billable_hours) as billable_hours
    from daily
    where date_day >= {{ as_of_month_plus(-12) }}
        and date_day < {{ as_of_month_plus(0) }}
        and region is not null
        and role is not null
    group by region, role

),

trailing_region as (

    select
        trailing_hours.region,
        trailing_hours.role,
        trailing_hours.billable_hours,
        {{ safe_divide(
            'trailing_hours.billable_hours',
            'sum(trailing_hours.billable_hours) over (partition by trailing_hours.region)'
        ) }} as hours_share
    from trailing_hours

),

trailing_revenue as (

    select
        region,
        sum(actual_amount) as revenue_amount
    from actuals
    where month_start >= {{ as_of_month_plus(-12) }}
        and month_start < {{ as_of_month_plus(0) }}
    group by region

),

headcount as (

    select
        consultants.region,
        consultants.role,
        count(*) as headcount,
        sum(consultants.fte) as fte,
        {{ safe_divide(
            'sum(consultants.fte * coalesce(consultants.billability_target, role_targets.target_billable_utilization))',
            'sum(consultants.fte)'
        ) }} as target_utilization
    from consultants
    left join role_targets
        on consultants.role = role_targets.role
    where consultants.region is not null
        and consultants.role is not null
    group by consultants.region, consultants.role

),

region_roles as (

    select region, role from trailing_region
    union
    select region, role from headcount

),

years as (

    select
        year_number as fiscal_year,
        sum(case when is_working_day_amer then 1 else 0 end) as working_days_amer,
        sum(case when is_working_day_emea then 1 else 0 end) as working_days_emea,
        sum(case when is_working_day_apac then 1 else 0 end) as working_days_apac
    from days
    where year_number between extract(year from {{ as_of_date() }}) + 1
        and extract(year from {{ as_of_date() }}) + 4
    group by year_number

),

planned as (

    select
        years.fiscal_year,
        region_roles.region,
        region_roles.role,
        coalesce(headcount.headcount, 0) as headcount,
        coalesce(headcount.fte, 0) as fte,
        coalesce(headcount.target_utilization, role_targets.target_billable_utilization)
            as target_utilization,
        coalesce(trailing_region.billable_hours, 0) as trailing_billable_hours,
        coalesce(trailing_revenue.revenue_amount, 0) * coalesce(trailing_region.hours_share, 0)
            as trailing_revenue_amount,
        power(1 + {{ forecast_parameter('annual_growth_rate') }},
            years.fiscal_year - extract(year from {{ as_of_date() }})) as growth_factor,
        8.0 * case region_roles.region
            when 'AMER' then years.working_days_amer
            when 'EMEA' then years.working_days_emea
            else years.working_days_apac
        end as fte_year_hours
    from years
    cross join region_roles
    left join headcount
        on region_roles.region = headcount.region
        and region_roles.role = headcount.role
    left join trailing_region
        on region_roles.region = trailing_region.region
        and region_roles.role = trailing_region.role
    left join trailing_revenue
        on region_roles.region = trailing_revenue.region
    left join role_targets
        on region_roles.role = role_targets.role

),

sized as (

    select
        *,
        trailing_billable_hours * growth_factor as demand_hours,
        trailing_revenue_amount * growth_factor as demand_revenue_amount,
        fte * fte_year_hours as supply_hours
    from planned

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        cast(fiscal_year as integer) as fiscal_year,
        region,
        role,
        cast(headcount as integer) as current_headcount,
        cast(fte as {{ type_double() }}) as current_fte,
        cast(trailing_billable_hours as {{ type_double() }}) as trailing_12m_billable_hours,
        cast(trailing_revenue_amount as {{ type_double() }}) as trailing_12m_revenue_amount,
        cast(growth_factor as {{ type_double() }}) as growth_factor,
        cast(demand_hours as {{ type_double() }}) as demand_hours,
        cast(demand_revenue_amount as {{ type_double() }}) as demand_revenue_amount,
        cast(supply_hours as {{ type_double() }}) as supply_hours,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast({{ safe_divide('demand_hours', 'supply_hours') }} as {{ type_double() }})
            as planned_utilization,
        cast({{ safe_divide('demand_hours', 'target_utilization') }} as {{ type_double() }})
            as required_hours,
        cast(greatest(ceiling(coalesce({{ safe_divide(
            safe_divide('demand_hours', 'target_utilization') ~ ' - supply_hours',
            'fte_year_hours'
        ) }}, 0)), 0) as integer) as hires_needed
    from sized

)

select * from final
