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

-- business hours of each clock = its segments' overlap with the working windows of its
-- calendar (macros/sla_clock.sql: the measurement the pre-sales scoping clock shares)
segments_on_calendars as (

    select
        segments.*,
        clocks.calendar
    from segments
    inner join clocks
        on segments.issue_id = clocks.issue_id
        and segments.metric = clocks.metric

),

clock_hours as (

    {{ sla_clock_business_hours('segments_on_calendars', 'business_windows', ['issue_id', 'metric']) }}

),

measured as (

    select
        clocks.*,
        {{ round_double('coalesce(clock_hours.elapsed_business_hours, 0)', 4) }}
            as elapsed_business_hours,
        {{ round_double('coalesce(clock_hours.paused_business_hours, 0)', 4) }}
            as paused_business_hours
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
