-- Weighted pipeline (DOMAIN.md §4, layer `weighted_pipeline`) per open PS opportunity and
-- month: the weighted PS amount spread evenly over typical_duration_months months starting
-- the month after close + start_lag_days (a close date already past counts from the as-of
-- date). Months past the horizon are dropped.
with

opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}
    where not is_closed

),

months as (

    select distinct month_start from {{ ref('int_calendar_days') }}

),

parameters as (

    select
        cast({{ forecast_parameter('start_lag_days') }} as integer) as start_lag_days,
        cast({{ forecast_parameter('typical_duration_months') }} as integer) as duration_months

),

starts as (

    select
        opportunities.opportunity_id,
        opportunities.region,
        opportunities.weighted_ps_amount,
        parameters.duration_months,
        cast({{ dbt.dateadd(
            'month', 1,
            dbt.date_trunc('month', dbt.dateadd(
                'day', 'parameters.start_lag_days',
                'greatest(opportunities.close_date, ' ~ as_of_date() ~ ')'
            ))
        ) }} as date) as first_month
    from opportunities
    cross join parameters

),

spread as (

    select
        starts.opportunity_id,
        starts.region,
        months.month_start,
        starts.weighted_ps_amount / starts.duration_months as pipeline_amount
    from starts
    inner join months
        on months.month_start >= starts.first_month
        and months.month_start < cast(
            {{ dbt.dateadd('month', 'starts.duration_months', 'starts.first_month') }} as date
        )

),

final as (

    select
        opportunity_id,
        region,
        month_start,
        cast(pipeline_amount as {{ type_double() }}) as pipeline_amount
    from spread
    where month_start < {{ as_of_month_plus(
        "cast(" ~ forecast_parameter('horizon_months') ~ " as integer) + 1"
    ) }}

)

select * from final
