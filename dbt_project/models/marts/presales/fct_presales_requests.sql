-- One row per pre-sales request (DOMAIN.md §10). The scoping clock is the SLA engine's
-- resolution clock stopped at scoped_at: segments clipped and paused like an SLA clock
-- and measured on the same business windows (macros/sla_clock.sql), so a pre-sales hour
-- is an SLA hour.
with

requests as (

    select * from {{ ref('int_presales_requests') }}

),

clocks as (

    select * from {{ ref('int_presales_scoping_clocks') }}

),

segments as (

    select * from {{ ref('int_presales_scoping_segments') }}

),

business_windows as (

    select * from {{ ref('int_sla_business_windows') }}

),

opportunities as (

    select * from {{ ref('int_presales_opportunities') }}

),

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

    {{ sla_clock_business_hours('segments_on_calendars', 'business_windows', ['issue_id']) }}

),

measured as (

    select
        requests.*,
        clocks.calendar,
        clocks.goal_business_hours,
        case
            when clocks.issue_id is not null
                then {{ round_double('coalesce(clock_hours.elapsed_business_hours, 0)', 4) }}
        end as business_hours_to_scope
    from requests
    left join clocks
        on requests.issue_id = clocks.issue_id
    left join clock_hours
        on requests.issue_id = clock_hours.issue_id

),

final as (

    select
        measured.issue_id,
        measured.issue_key,
        measured.project_key,
        measured.priority,
        coalesce(measured.matched_opportunity_id, measured.salesforce_opportunity_id)
            as opportunity_id,
        measured.matched_opportunity_id is not null as has_matching_opportunity,
        opportunities.account_id,
        coalesce(opportunities.segment, 'Unknown') as segment,
        coalesce(opportunities.region, 'UNASSIGNED') as region,
        opportunities.ps_amount,
        measured.requested_at,
        measured.scoped_at,
        measured.calendar,
        cast(measured.business_hours_to_scope as {{ type_double() }}) as business_hours_to_scope,
        cast(measured.goal_business_hours as {{ type_double() }}) as goal_business_hours,
        case
            when measured.scoped_at is not null
                then measured.business_hours_to_scope <= measured.goal_business_hours
            when measured.business_hours_to_scope > measured.goal_business_hours then false
        end as sla_met,
        coalesce(measured.business_hours_to_scope > measured.goal_business_hours, false)
            as is_breached,
        opportunities.opportunity_outcome,
        opportunities.close_date,
        {{ as_of_date() }} as as_of_date
    from measured
    left join opportunities
        on measured.matched_opportunity_id = opportunities.opportunity_id

)

select * from final
