-- One row per SLA clock and status stretch it spans (UTC), clipped to the clock's
-- [started_at, stopped_at or as-of date): the pieces whose business hours make the clock.
-- is_paused: a resolution clock in one of its policy's pause statuses (counted as paused
-- hours, not elapsed). Stretches in a "done" status before the final stop (a ticket
-- resolved then reopened) are left out: the clock stood still there and resumes at the
-- reopening. first_response never pauses.
with

clocks as (

    select * from {{ ref('int_sla_clocks_bounded') }}

),

status_intervals as (

    select * from {{ ref('int_jira_status_intervals') }}

),

-- macros/sla_clock.sql: the clipping the pre-sales scoping clock shares
final as (

    {{ sla_clock_segments('clocks', 'status_intervals') }}

)

select * from final
