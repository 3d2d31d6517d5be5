-- Unscheduled backlog (DOMAIN.md §4, layer `unscheduled_backlog`) per active budgeted
-- client engagement and month: the remaining budget not covered by the scheduled layer,
-- spread evenly over the months from the as-of month to the due month; an engagement past
-- its due date puts it all in the next month. Months past the horizon are dropped.
with

budgets as (

    select * from {{ ref('int_engagement_budgets_remaining') }}

),

scheduled as (

    select * from {{ ref('int_revenue_scheduled_monthly') }}

),

months as (

    select distinct month_start from {{ ref('int_calendar_days') }}

),

scheduled_totals as (

    select
        engagement_id,
        sum(scheduled_amount) as scheduled_amount
    from scheduled
    group by engagement_id

),

unscheduled as (

    select
        budgets.engagement_id,
        budgets.region,
        budgets.remaining_budget_amount - coalesce(scheduled_totals.scheduled_amount, 0)
            as backlog_amount,
        case
            when budgets.due_date is null or budgets.due_date < {{ as_of_date() }}
                then {{ as_of_month_plus(1) }}
            else {{ as_of_month_plus(0) }}
        end as first_month,
        case
            when budgets.due_date is null or budgets.due_date < {{ as_of_date() }}
                then {{ as_of_month_plus(1) }}
            else {{ month_start('budgets.due_date') }}
        end as last_month
    from budgets
    left join scheduled_totals
        on budgets.engagement_id = scheduled_totals.engagement_id
    where budgets.is_active
        and budgets.remaining_budget_amount - coalesce(scheduled_totals.scheduled_amount, 0) > 0

),

spread as (

    select
        unscheduled.engagement_id,
        unscheduled.region,
        months.month_start,
        unscheduled.backlog_amount / (
            {{ dbt.datediff('unscheduled.first_month', 'unscheduled.last_month', 'month') }} + 1
        ) as backlog_amount
    from unscheduled
    inner join months
        on months.month_start between unscheduled.first_month and unscheduled.last_month

),

final as (

    select
        engagement_id,
        region,
        month_start,
        cast(backlog_amount as {{ type_double() }}) as backlog_amount
    from spread
    where month_start < {{ as_of_month_plus(
        "cast(" ~ forecast_parameter('horizon_months') ~ " as integer) + 1"
    ) }}

)

select * from final
