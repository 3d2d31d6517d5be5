-- One row per budgeted client engagement: the budget, what was recognised before the
-- as-of date (int_revenue_actual_monthly) and the remaining budget (never below 0).
with

engagements as (

    select * from {{ ref('int_forecast_engagements') }}

),

actuals as (

    select * from {{ ref('int_revenue_actual_monthly') }}

),

recognised as (

    select
        engagement_id,
        sum(actual_amount) as recognised_amount
    from actuals
    group by engagement_id

),

final as (

    select
        engagements.engagement_id,
        engagements.region,
        engagements.is_active,
        engagements.due_date,
        engagements.budget_amount,
        cast(coalesce(recognised.recognised_amount, 0) as {{ type_double() }})
            as recognised_amount,
        cast(greatest(
            engagements.budget_amount - coalesce(recognised.recognised_amount, 0), 0
        ) as {{ type_double() }}) as remaining_budget_amount
    from engagements
    left join recognised
        on engagements.engagement_id = recognised.engagement_id
    where engagements.budget_amount is not null

)

select * from final
