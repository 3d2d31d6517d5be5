-- The revenue forecast made on the as-of date (DOMAIN.md §4): month x region x layer for
-- the as-of month and the horizon_months after it. Every (month, region, layer) of the
-- grid has a row (0 when nothing falls there), so the four layers of a month add up to
-- its total.
with

actuals as (

    select * from {{ ref('int_revenue_actual_monthly') }}

),

scheduled as (

    select * from {{ ref('int_revenue_scheduled_monthly') }}

),

backlog as (

    select * from {{ ref('int_revenue_backlog_monthly') }}

),

pipeline as (

    select * from {{ ref('int_revenue_pipeline_monthly') }}

),

months as (

    select distinct month_start from {{ ref('dim_date') }}
    where month_start >= {{ as_of_month_plus(0) }}
        and month_start < {{ as_of_month_plus(
            "cast(" ~ forecast_parameter('horizon_months') ~ " as integer) + 1"
        ) }}

),

layer_amounts as (

    select region, month_start, 'actual' as layer, actual_amount as amount,
        billable_hours as hours, 0.0 as hard_amount, 0.0 as soft_amount
    from actuals
    where month_start = {{ as_of_month_plus(0) }}
    union all
    select region, month_start, 'scheduled', scheduled_amount, allocated_hours,
        scheduled_hard_amount, scheduled_soft_amount
    from scheduled
    union all
    select region, month_start, 'unscheduled_backlog', backlog_amount, 0.0, 0.0, 0.0
    from backlog
    union all
    select region, month_start, 'weighted_pipeline', pipeline_amount, 0.0, 0.0, 0.0
    from pipeline

),

regions as (

    select distinct region from layer_amounts

),

layers as (

    select 'actual' as layer
    union all select 'scheduled'
    union all select 'unscheduled_backlog'
    union all select 'weighted_pipeline'

),

grid as (

    select months.month_start, regions.region, layers.layer
    from months
    cross join regions
    cross join layers

),

summed as (

    select
        grid.month_start,
        grid.region,
        grid.layer,
        coalesce(sum(layer_amounts.amount), 0) as amount,
        coalesce(sum(layer_amounts.hours), 0) as hours,
        coalesce(sum(layer_amounts.hard_amount), 0) as scheduled_hard_amount,
        coalesce(sum(layer_amounts.soft_amount), 0) as scheduled_soft_amount
    from grid
    left join layer_amounts
        on grid.month_start = layer_amounts.month_start
        and grid.region = layer_amounts.region
        and grid.layer = layer_amounts.layer
    group by grid.month_start, grid.region, grid.layer

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        month_start,
        {{ quarter_label('month_start') }} as quarter,
        cast({{ dbt.datediff(as_of_month_plus(0), 'month_start', 'month') }} as integer)
            as months_ahead,
        region,
        layer,
        cast(amount as {{ type_double() }}) as amount,
        cast(hours as {{ type_double() }}) as hours,
        cast(scheduled_hard_amount as {{ type_double() }}) as scheduled_hard_amount,
        cast(scheduled_soft_amount as {{ type_double() }}) as scheduled_soft_amount
    from summed

)

select * from final
