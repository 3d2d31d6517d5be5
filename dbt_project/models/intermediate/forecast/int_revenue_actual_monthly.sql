-- Delivered revenue (DOMAIN.md §4, layer `actual`) per client engagement and month, for
-- every month with time before the as-of date. Time & Materials: billable hours x the
-- entry's bill rate (the person's Kantata bill rate when the entry has none). Fixed Fee:
-- budget x the share of budgeted hours delivered that month (every counted hour on the
-- engagement, billable or not), never more in total than the budget. Rejected time counts
-- nowhere.
with

time_entries as (

    select * from {{ ref('int_time_entries_counted') }}

),

engagements as (

    select * from {{ ref('int_forecast_engagements') }}

),

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

entries as (

    select
        time_entries.engagement_id,
        {{ month_start('time_entries.date_day') }} as month_start,
        time_entries.hours,
        time_entries.is_billable,
        cast(coalesce(time_entries.rate_in_cents, users.bill_rate_in_cents, 0)
            as {{ type_double() }}) / 100 as bill_rate
    from time_entries
    left join users
        on time_entries.kantata_user_id = users.user_id
    where time_entries.counts_toward_utilization
        and time_entries.date_day < {{ as_of_date() }}

),

monthly as (

    select
        engagement_id,
        month_start,
        sum(hours) as delivered_hours,
        sum(case when is_billable then hours else 0 end) as billable_hours,
        sum(case when is_billable then hours * bill_rate else 0 end) as billable_amount
    from entries
    group by engagement_id, month_start

),

recognised as (

    select
        monthly.engagement_id,
        engagements.region,
        engagements.is_fixed_fee,
        monthly.month_start,
        monthly.delivered_hours,
        monthly.billable_hours,
        monthly.billable_amount,
        case
            when engagements.is_fixed_fee
                then {{ safe_divide(
                    'engagements.budget_amount * monthly.delivered_hours',
                    'engagements.budgeted_hours'
                ) }}
        end as fixed_fee_share_amount,
        engagements.budget_amount
    from monthly
    inner join engagements
        on monthly.engagement_id = engagements.engagement_id

),

capped as (

    select
        *,
        coalesce(sum(fixed_fee_share_amount) over (
            partition by engagement_id order by month_start
            rows between unbounded preceding and 1 preceding
        ), 0) as fixed_fee_recognised_before
    from recognised

),

final as (

    select
        engagement_id,
        region,
        month_start,
        cast(delivered_hours as {{ type_double() }}) as delivered_hours,
        cast(billable_hours as {{ type_double() }}) as billable_hours,
        cast(
            case
                when is_fixed_fee then greatest(
                    least(
                        coalesce(fixed_fee_share_amount, 0),
                        budget_amount - fixed_fee_recognised_before
                    ),
                    0
                )
                else billable_amount
            end as {{ type_double() }}
        ) as actual_amount
    from capped

)

select * from final
