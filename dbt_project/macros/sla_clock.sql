{#- The SLA engine's two shared steps (DOMAIN.md §3), used by the SLA clocks
    (int_sla_clock_segments, fct_sla_clocks) and by the pre-sales scoping clock
    (int_presales_scoping_segments, fct_presales_requests): one implementation. -#}

{#- Pieces of each clock: the status stretches of `status_intervals` (int_jira_status_intervals)
    clipped to the clock's [started_at, stopped_at or the as-of date). `clocks` has issue_id,
    metric, started_at, stopped_at, pause_statuses. A resolution clock in one of its pause
    statuses is paused; done stretches before the final stop (resolved, then reopened) are
    left out of a resolution clock (it stood still); first_response never pauses. Empty
    pieces are dropped. Columns: issue_id, metric, segment_number, status_name,
    segment_start_at, segment_end_at, is_paused. -#}
{% macro sla_clock_segments(clocks, status_intervals) -%}
    select
        issue_id,
        metric,
        interval_number as segment_number,
        status_name,
        segment_start_at,
        segment_end_at,
        is_paused
    from (
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
            and {{ delimited_list_contains(
                'lower(clocks.pause_statuses)', 'lower(status_intervals.status_name)', ';'
            ) }} as is_paused
        from (select * from {{ clocks }}) as clocks
        inner join (select * from {{ status_intervals }}) as status_intervals
            on clocks.issue_id = status_intervals.issue_id
    ) as clipped
    where segment_end_at > segment_start_at
        and not (metric = 'resolution' and coalesce(status_category_key, '') = 'done')
{%- endmacro %}

{#- Business hours of each clock: the overlap of its pieces with the working windows of its
    calendar (int_sla_business_windows: one UTC window per calendar and working day, so
    weekends, holidays and DST are already in the windows). `segments` has the key
    columns, calendar, segment_start_at, segment_end_at, is_paused. Columns: the keys,
    elapsed_business_hours (not paused), paused_business_hours; a clock whose pieces touch
    no window has no row (0 hours). -#}
{% macro sla_clock_business_hours(segments, business_windows, keys) -%}
    select
        {% for key in keys %}segments.{{ key }}, {% endfor %}
        sum(
            case when not segments.is_paused then {{ dbt.datediff(
                'greatest(segments.segment_start_at, windows.window_start_at)',
                'least(segments.segment_end_at, windows.window_end_at)',
                'second'
            ) }} else 0 end
        ) / 3600.0 as elapsed_business_hours,
        sum(
            case when segments.is_paused then {{ dbt.datediff(
                'greatest(segments.segment_start_at, windows.window_start_at)',
                'least(segments.segment_end_at, windows.window_end_at)',
                'second'
            ) }} else 0 end
        ) / 3600.0 as paused_business_hours
    from (select * from {{ segments }}) as segments
    inner join (select * from {{ business_windows }}) as windows
        on segments.calendar = windows.calendar
        and windows.window_start_at < segments.segment_end_at
        and windows.window_end_at > segments.segment_start_at
    group by {% for key in keys %}segments.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}
