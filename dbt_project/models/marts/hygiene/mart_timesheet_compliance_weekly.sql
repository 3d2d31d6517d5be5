-- Timesheet compliance by ISO week x region x team, plus rollups by region, by team and the
-- whole org (grain column; a rolled-up dimension reads 'All'), counted from
-- fct_timesheet_compliance: due = on_time + late + missing (not_due weeks are not due yet);
-- compliance_rate = on_time / due, NULL when nothing is due.
with

compliance as (

    select * from {{ ref('fct_timesheet_compliance') }}

),

labelled as (

    select
        week_start,
        coalesce(region, 'Unassigned') as region,
        coalesce(team, 'Unassigned') as team,
        status,
        rejected_count
    from compliance

),

grouped as (

    select
        week_start,
        case
            when grouping(region) = 0 and grouping(team) = 0 then 'region_team'
            when grouping(region) = 0 then 'region'
            when grouping(team) = 0 then 'team'
            else 'org'
        end as grain,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(team) = 1 then 'All' else team end as team,
        count(*) as people,
        count(case when status in ('on_time', 'late', 'missing') then 1 end) as due,
        count(case when status = 'on_time' then 1 end) as on_time,
        count(case when status = 'late' then 1 end) as late,
        count(case when status = 'missing' then 1 end) as missing,
        count(case when status = 'not_due' then 1 end) as not_due,
        sum(rejected_count) as rejected_count
    from labelled
    group by grouping sets (
        (week_start, region, team),
        (week_start, region),
        (week_start, team),
        (week_start)
    )

),

final as (

    select
        week_start,
        grain,
        region,
        team,
        cast(people as integer) as people,
        cast(due as integer) as due,
        cast(on_time as integer) as on_time,
        cast(late as integer) as late,
        cast(missing as integer) as missing,
        cast(not_due as integer) as not_due,
        cast(rejected_count as integer) as rejected_count,
        cast({{ safe_divide('on_time', 'due') }} as {{ type_double() }}) as compliance_rate
    from grouped

)

select * from final
