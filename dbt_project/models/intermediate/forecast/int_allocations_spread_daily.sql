-- Future Kantata resource allocations spread over days: one row per allocation and weekday
-- (Mon-Fri) of its range from the as-of date to the end of the forecast horizon (the
-- current month + horizon_months). An allocation's minutes are spread evenly over the
-- weekdays of its start..end range; the person's Kantata bill rate prices the hours.
with

allocations as (

    select * from {{ ref('stg_kantata__workspace_allocations') }}

),

days as (

    select * from {{ ref('int_calendar_days') }}

),

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'kantata'

),

weekdays_per_allocation as (

    select
        allocations.workspace_allocation_id,
        count(*) as weekday_count
    from allocations
    inner join days
        on days.date_day between allocations.start_date and allocations.end_date
    where days.is_weekday
    group by allocations.workspace_allocation_id

),

spread as (

    select
        allocations.workspace_allocation_id,
        allocations.workspace_id as engagement_id,
        allocations.user_id as kantata_user_id,
        days.date_day,
        allocations.is_hard,
        allocations.allocated_hours / weekdays_per_allocation.weekday_count as allocated_hours
    from allocations
    inner join weekdays_per_allocation
        on allocations.workspace_allocation_id = weekdays_per_allocation.workspace_allocation_id
    inner join days
        on days.date_day between allocations.start_date and allocations.end_date
    where days.is_weekday
        and days.date_day >= {{ as_of_date() }}
        and days.date_day < {{ as_of_month_plus(
            "cast(" ~ forecast_parameter('horizon_months') ~ " as integer) + 1"
        ) }}

),

final as (

    select
        spread.workspace_allocation_id,
        spread.engagement_id,
        identities.consultant_key,
        spread.kantata_user_id,
        spread.date_day,
        {{ month_start('spread.date_day') }} as month_start,
        spread.is_hard,
        cast(spread.allocated_hours as {{ type_double() }}) as allocated_hours,
        cast(coalesce(users.bill_rate_in_cents, 0) as {{ type_double() }}) / 100 as bill_rate
    from spread
    left join identities
        on spread.kantata_user_id = identities.source_id
    left join users
        on spread.kantata_user_id = users.user_id

)

select * from final
