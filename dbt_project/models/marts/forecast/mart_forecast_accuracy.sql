-- Forecast accuracy (DOMAIN.md §4): for every closed month, region (and 'All') and horizon
-- 1, 2, 3 months, the forecast of that month made by the latest refresh of the month
-- `horizon_months` earlier (fct_revenue_forecast_history, all four layers), against the
-- month's actual (int_revenue_actual_monthly as known today).
with

history as (

    select * from {{ ref('fct_revenue_forecast_history') }}

),

actuals as (

    select * from {{ ref('int_revenue_actual_monthly') }}

),

forecast_runs as (

    -- the latest forecast made in each month
    select *
    from (
        select
            as_of_date,
            {{ month_start('as_of_date') }} as forecast_month,
            row_number() over (
                partition by {{ month_start('as_of_date') }} order by as_of_date desc
            ) as run_rank
        from (select distinct as_of_date from history) as runs
    ) as ranked
    where run_rank = 1

),

forecasts as (

    select
        history.month_start,
        history.region,
        history.as_of_date as forecast_as_of_date,
        cast({{ dbt.datediff('forecast_runs.forecast_month', 'history.month_start', 'month') }}
            as integer) as horizon_months,
        sum(history.amount) as forecast_amount
    from history
    inner join forecast_runs
        on history.as_of_date = forecast_runs.as_of_date
    where history.month_start < {{ as_of_month_plus(0) }}
    group by history.month_start, history.region, history.as_of_date,
        forecast_runs.forecast_month

),

forecasts_with_org as (

    select month_start, region, forecast_as_of_date, horizon_months, forecast_amount
    from forecasts
    where horizon_months between 1 and 3
    union all
    select month_start, 'All', forecast_as_of_date, horizon_months, sum(forecast_amount)
    from forecasts
    where horizon_months between 1 and 3
    group by month_start, forecast_as_of_date, horizon_months

),

actuals_with_org as (

    select month_start, region, sum(actual_amount) as actual_amount
    from actuals
    group by month_start, region
    union all
    select month_start, 'All', sum(actual_amount)
    from actuals
    group by month_start

),

compared as (

    select
        forecasts_with_org.month_start,
        forecasts_with_org.region,
        forecasts_with_org.horizon_months,
        forecasts_with_org.forecast_as_of_date,
        forecasts_with_org.forecast_amount,
        coalesce(actuals_with_org.actual_amount, 0) as actual_amount
    from forecasts_with_org
    left join actuals_with_org
        on forecasts_with_org.month_start = actuals_with_org.month_start
        and forecasts_with_org.region = actuals_with_org.region

),

scored as (

    select
        *,
        forecast_amount - actual_amount as error_amount,
        {{ safe_divide('abs(forecast_amount - actual_amount)', 'actual_amount') }} as ape,
        {{ safe_divide('forecast_amount - actual_amount', 'actual_amount') }} as bias
    from compared

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        month_start,
        {{ quarter_label('month_start') }} as quarter,
        region,
        horizon_months,
        forecast_as_of_date,
        cast(forecast_amount as {{ type_double() }}) as forecast_amount,
        cast(actual_amount as {{ type_double() }}) as actual_amount,
        cast(error_amount as {{ type_double() }}) as error_amount,
        cast(ape as {{ type_double() }}) as ape,
        cast(bias as {{ type_double() }}) as bias,
        cast(avg(ape) over (partition by region, horizon_months) as {{ type_double() }})
            as mape,
        cast(avg(bias) over (partition by region, horizon_months) as {{ type_double() }})
            as mean_bias
    from scored

)

select * from final
