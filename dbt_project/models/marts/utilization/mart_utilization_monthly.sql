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

    -- sums first; the ratios are taken of the sums (macros/utilization/utilization_rollup.sql)
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
        {{ utilization_sums() }}
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

    {{ utilization_ratios('grouped') }}

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
        {{ utilization_measures() }}
    from ratios

)

select * from final
