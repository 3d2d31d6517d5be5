with

clocks as (

    select * from {{ ref('int_sla_clocks_bounded') }}

),

segments as (

    select * from {{ ref('int_sla_clock_segments') }}

),

business_windows as (

    select * from {{ ref('int_sla_business_windows') }}

),

-- business seconds of each segment = its overlap with each working window of the calendar
segment_overlaps as (

    select
        segments.issue_id,
        segments.metric,
        segments.is_paused,
        {{ dbt.datediff(
            'greatest(segments.segment_start_at, business_windows.window_start_at)',
            'least(segments.segment_end_at, business_windows.window_end_at)',
            'second'
        ) }} as business_seconds
    from segments
    inner join clocks
        on segments.issue_id = clocks.issue_id
        and segments.metric = clocks.metric
    inner join business_windows
        on clocks.calendar = business_windows.calendar
        and business_windows.window_start_at < segments.segment_end_at
        and business_windows.window_end_at > segments.segment_start_at

),

clock_hours as (

    select
        issue_id,
        metric,
        sum(case when not is_paused then business_seconds else 0 end) / 3600.0
            as elapsed_business_hours,
        sum(case when is_paused then business_seconds else 0 end) / 3600.0
            as paused_business_hours
    from segment_overlaps
    group by issue_id, metric

),

measured as (

    select
        clocks.*,
        round(coalesce(clock_hours.elapsed_business_hours, 0), 4) as elapsed_business_hours,
        round(coalesce(clock_hours.paused_business_hours, 0), 4) as paused_business_hours
    from clocks
    left join clock_hours
        on clocks.issue_id = clock_hours.issue_id
        and clocks.metric = clock_hours.metric

),

classified as (

    select
        *,
        case
            when not is_running and elapsed_business_hours <= goal_business_hours then 'met'
            when elapsed_business_hours > goal_business_hours then 'breached'
            when elapsed_business_hours > 0.75 * goal_business_hours then 'at_risk'
            else 'running'
        end as sla_status
    from measured

),

final as (

    select
        issue_id,
        issue_key,
        project_key,
        issue_type,
        priority,
        metric,
        policy_id,
        calendar,
        cast(goal_business_hours as {{ type_double() }}) as goal_business_hours,
        started_at,
        stopped_at,
        is_running,
        cast(elapsed_business_hours as {{ type_double() }}) as elapsed_business_hours,
        cast(paused_business_hours as {{ type_double() }}) as paused_business_hours,
        sla_status,
        case
            when not is_running then cast({{ dbt.date_trunc('month', 'stopped_at') }} as date)
            when sla_status = 'breached'
                then cast({{ dbt.date_trunc('month', as_of_date()) }} as date)
        end as stop_month,
        {{ as_of_date() }} as as_of_date
    from classified

)

select * from final
