-- Scheduled revenue (DOMAIN.md §4, layer `scheduled`) per active client engagement and
-- month: future allocated hours x the person's bill rate, capped at the engagement's
-- remaining budget in time order (the earliest months use the budget first; a month that
-- crosses the cap keeps the part that fits, hard and soft in proportion). Engagements
-- without a budget are not capped.
with

allocations as (

    select * from {{ ref('int_allocations_spread_daily') }}

),

engagements as (

    select * from {{ ref('int_forecast_engagements') }}

),

budgets as (

    select * from {{ ref('int_engagement_budgets_remaining') }}

),

monthly as (

    select
        allocations.engagement_id,
        allocations.month_start,
        sum(allocations.allocated_hours) as allocated_hours,
        sum(case when allocations.is_hard then allocations.allocated_hours * allocations.bill_rate
            else 0 end) as hard_amount,
        sum(case when not allocations.is_hard then allocations.allocated_hours * allocations.bill_rate
            else 0 end) as soft_amount
    from allocations
    group by allocations.engagement_id, allocations.month_start

),

running as (

    select
        monthly.*,
        engagements.region,
        budgets.remaining_budget_amount,
        coalesce(sum(monthly.hard_amount + monthly.soft_amount) over (
            partition by monthly.engagement_id order by monthly.month_start
            rows between unbounded preceding and 1 preceding
        ), 0) as scheduled_before
    from monthly
    inner join engagements
        on monthly.engagement_id = engagements.engagement_id
    left join budgets
        on monthly.engagement_id = budgets.engagement_id
    where engagements.is_active

),

capped as (

    select
        *,
        case
            when remaining_budget_amount is null then hard_amount + soft_amount
            else greatest(
                least(hard_amount + soft_amount, remaining_budget_amount - scheduled_before), 0
            )
        end as scheduled_amount
    from running

),

final as (

    select
        engagement_id,
        region,
        month_start,
        cast(allocated_hours as {{ type_double() }}) as allocated_hours,
        cast(scheduled_amount as {{ type_double() }}) as scheduled_amount,
        cast(coalesce(
            {{ safe_divide('scheduled_amount * hard_amount', 'hard_amount + soft_amount') }}, 0
        ) as {{ type_double() }}) as scheduled_hard_amount,
        cast(coalesce(
            {{ safe_divide('scheduled_amount * soft_amount', 'hard_amount + soft_amount') }}, 0
        ) as {{ type_double() }}) as scheduled_soft_amount
    from capped

)

select * from final
