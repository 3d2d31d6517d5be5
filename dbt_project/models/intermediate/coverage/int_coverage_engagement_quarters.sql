-- One row per client engagement and quarter (up to the as-of quarter) in which it is
-- active (DOMAIN.md §9): it has counted billable hours or allocations that quarter. With
-- its customer (the opportunity's account; segment and region from the account), its
-- delivery model and partner and its budget. An account is active in a quarter when one of
-- its engagements has a row here.
with

engagements as (

    select * from {{ ref('int_engagements_conformed') }}
    where not is_internal

),

customers as (

    select * from {{ ref('int_customers_conformed') }}

),

quarters as (

    select * from {{ ref('int_coverage_quarters') }}

),

time_entries as (

    select * from {{ ref('int_time_entries_counted') }}
    where counts_toward_utilization
        and hour_category = 'billable'

),

allocations as (

    select * from {{ ref('stg_kantata__workspace_allocations') }}
    where allocated_minutes > 0

),

billable_quarters as (

    select
        time_entries.engagement_id,
        quarters.quarter_start,
        sum(time_entries.hours) as billable_hours
    from time_entries
    inner join quarters
        on time_entries.date_day between quarters.quarter_start and quarters.quarter_end
    group by time_entries.engagement_id, quarters.quarter_start

),

allocation_quarters as (

    -- an allocation counts in every quarter its start..end range touches
    select
        allocations.workspace_id as engagement_id,
        quarters.quarter_start,
        count(*) as allocations
    from allocations
    inner join quarters
        on allocations.start_date <= quarters.quarter_end
        and coalesce(allocations.end_date, allocations.start_date) >= quarters.quarter_start
    group by allocations.workspace_id, quarters.quarter_start

),

active as (

    select
        coalesce(billable_quarters.engagement_id, allocation_quarters.engagement_id)
            as engagement_id,
        coalesce(billable_quarters.quarter_start, allocation_quarters.quarter_start)
            as quarter_start,
        coalesce(billable_quarters.billable_hours, 0) as billable_hours,
        coalesce(allocation_quarters.allocations, 0) as allocations
    from billable_quarters
    full outer join allocation_quarters
        on billable_quarters.engagement_id = allocation_quarters.engagement_id
        and billable_quarters.quarter_start = allocation_quarters.quarter_start

),

final as (

    select
        active.engagement_id,
        active.quarter_start,
        quarters.quarter,
        engagements.customer_key,
        coalesce(customers.segment, 'Unassigned') as segment,
        coalesce(customers.region, 'Unassigned') as region,
        engagements.delivery_model,
        engagements.delivery_partner,
        cast(coalesce(engagements.price_in_cents, 0) / 100.0 as {{ type_double() }})
            as engagement_budget,
        cast(active.billable_hours as {{ type_double() }}) as billable_hours,
        cast(active.allocations as integer) as allocations
    from active
    inner join engagements
        on active.engagement_id = engagements.engagement_id
    inner join quarters
        on active.quarter_start = quarters.quarter_start
    left join customers
        on engagements.customer_key = customers.customer_key

)

select * from final
