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

clipped as (

    select
        clocks.issue_id,
        clocks.metric,
        status_intervals.interval_number,
        status_intervals.status_name,
        status_intervals.status_category_key,
        greatest(status_intervals.valid_from, clocks.started_at) as segment_start_at,
        least(
            coalesce(status_intervals.valid_to, cast({{ as_of_date() }} as timestamp)),
            coalesce(clocks.stopped_at, cast({{ as_of_date() }} as timestamp)),
            cast({{ as_of_date() }} as timestamp)
        ) as segment_end_at,
        clocks.metric = 'resolution'
        and list_contains(
            list_transform(
                string_split(lower(clocks.pause_statuses), ';'), lambda s: trim(s)
            ),
            lower(status_intervals.status_name)
        ) as is_paused
    from clocks
    inner join status_intervals
        on clocks.issue_id = status_intervals.issue_id

),

final as (

    select
        issue_id,
        metric,
        interval_number as segment_number,
        status_name,
        segment_start_at,
        segment_end_at,
        is_paused
    from clipped
    where segment_end_at > segment_start_at
        and not (metric = 'resolution' and coalesce(status_category_key, '') = 'done')

)

select * from final
