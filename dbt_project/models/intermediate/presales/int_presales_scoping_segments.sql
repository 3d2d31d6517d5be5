-- One row per scoping clock and status stretch it spans, clipped to [requested_at,
-- scoped_at or the as-of date): the same clipping and pauses as the SLA clocks
-- (macros/sla_clock.sql, shared with int_sla_clock_segments).
with

clocks as (

    select * from {{ ref('int_presales_scoping_clocks') }}

),

status_intervals as (

    select * from {{ ref('int_jira_status_intervals') }}

),

final as (

    {{ sla_clock_segments('clocks', 'status_intervals') }}

)

select * from final
