-- Month x region x role x team, plus rollups by region, role, team and the whole org
-- (grain column; a rolled-up dimension reads 'All'). Each day counts under the org the
-- person had that day (fct_utilization_daily, from dim_consultant_history).
with

daily as (

    -- the utilization population only (DOMAIN.md §2): days in a delivery role
    select * from {{ ref('fct_utilization_daily') }}
    where is_delivery_role

),

dates as (

    select * from {{ ref('dim_date') }}

),

labelled as (

    select
        dates.month_start,
        dates.quarter,
        coalesce(daily.region, 'Unassigned') as region,
        coalesce(daily.role, 'Unassigned') as role,
        coalesce(daily.team, 'Unassigned') as team,
        daily.consultant_key,
        daily.is_employed,
        daily.capacity_hours,
        daily.time_off_hours,
        daily.available_hours,
        daily.billable_hours,
        daily.client_non_billable_hours,
        daily.internal_hours,
        daily.non_billable_hours,
        daily.target_utilization
    from daily
    inner join dates
        on daily.date_day = dates.date_day

),

grouped as (

    -- sums first; the ratios are taken of the sums
    select
        month_start,
        quarter,
        case
            when grouping(region) = 0 and grouping(role) = 0 and grouping(team) = 0
                then 'region_role_team'
            when grouping(region) = 0 then 'region'
            when grouping(role) = 0 then 'role'
            when grouping(team) = 0 then 'team'
            else 'org'
        end as grain,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(role) = 1 then 'All' else role end as role,
        case when grouping(team) = 1 then 'All' else team end as team,
        count(distinct case when is_employed then consultant_key end) as headcount,
        count(*) as person_days,
        sum(capacity_hours) as capacity_hours,
        sum(time_off_hours) as time_off_hours,
        sum(available_hours) as available_hours,
        sum(billable_hours) as billable_hours,
        sum(client_non_billable_hours) as client_non_billable_hours,
        sum(internal_hours) as internal_hours,
        sum(non_billable_hours) as non_billable_hours,
        sum(target_utilization * available_hours) as target_weighted_hours,
        avg(target_utilization) as mean_daily_target
    from labelled
    group by grouping sets (
        (month_start, quarter, region, role, team),
        (month_start, quarter, region),
        (month_start, quarter, role),
        (month_start, quarter, team),
        (month_start, quarter)
    )

),

ratios as (

    select
        grouped.*,
        {{ safe_divide('billable_hours', 'available_hours') }} as billable_utilization,
        {{ safe_divide('billable_hours + client_non_billable_hours', 'available_hours') }}
            as productive_utilization,
        coalesce(
            {{ safe_divide('target_weighted_hours', 'available_hours') }}, mean_daily_target
        ) as target_utilization
    from grouped

),

final as (

    select
        month_start,
        quarter,
        grain,
        region,
        role,
        team,
        {{ dbt.dateadd('month', 1, 'month_start') }} <= {{ as_of_date() }} as is_complete_month,
        cast(headcount as integer) as headcount,
        cast(person_days as integer) as person_days,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_hours as {{ type_double() }}) as time_off_hours,
        cast(available_hours as {{ type_double() }}) as available_hours,
        cast(billable_hours as {{ type_double() }}) as billable_hours,
        cast(client_non_billable_hours as {{ type_double() }}) as client_non_billable_hours,
        cast(internal_hours as {{ type_double() }}) as internal_hours,
        cast(non_billable_hours as {{ type_double() }}) as non_billable_hours,
        cast(billable_utilization as {{ type_double() }}) as billable_utilization,
        cast(productive_utilization as {{ type_double() }}) as productive_utilization,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast(billable_utilization - target_utilization as {{ type_double() }})
            as utilization_gap,
        coalesce(billable_utilization > 1.5, false) as is_over_150_percent
    from ratios

)

select * from final
