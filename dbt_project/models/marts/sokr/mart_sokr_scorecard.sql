-- The SOKR scorecard (DOMAIN.md §5): one row per key result of the current quarter and
-- every closed one. actual = the metric over the quarter to date in the KR's scope
-- (mart_metric_values); score = (actual - baseline) / (target - baseline) clipped to
-- [0, 1]; expected = 1 for a rate KR, the share of the quarter's working days (Mon-Fri)
-- elapsed before the as-of date for a cumulative one; status on_track / at_risk /
-- off_track (achieved / missed once the quarter closed; no_data without an actual).
with

objectives as (

    select * from {{ ref('sokr_objectives') }}

),

key_results as (

    select * from {{ ref('sokr_key_results') }}

),

metric_values as (

    select * from {{ ref('mart_metric_values') }}
    where period_type = 'quarter'

),

days as (

    select * from {{ ref('dim_date') }}

),

quarters as (

    select
        quarter,
        min(quarter_start) as quarter_start,
        max(date_day) as quarter_end,
        sum(case when is_weekday then 1 else 0 end) as working_days,
        sum(case when is_weekday and date_day < {{ as_of_date() }} then 1 else 0 end)
            as working_days_elapsed
    from days
    group by quarter

),

krs as (

    select
        objectives.objective_id,
        objectives.quarter,
        objectives.objective,
        objectives.owner,
        key_results.kr_id,
        key_results.description,
        key_results.metric,
        key_results.scope_type,
        key_results.scope_value,
        key_results.direction,
        key_results.kind,
        key_results.baseline,
        key_results.target,
        quarters.quarter_start,
        quarters.quarter_end < {{ as_of_date() }} as is_closed_quarter,
        {{ safe_divide('quarters.working_days_elapsed', 'quarters.working_days') }}
            as working_days_share
    from key_results
    inner join objectives
        on key_results.objective_id = objectives.objective_id
    inner join quarters
        on objectives.quarter = quarters.quarter
    where quarters.quarter_start <= {{ as_of_date() }}

),

measured as (

    select
        krs.*,
        metric_values.value as actual,
        {{ safe_divide('metric_values.value - krs.baseline', 'krs.target - krs.baseline') }}
            as raw_score,
        case
            when krs.is_closed_quarter or krs.kind = 'rate' then 1.0
            else krs.working_days_share
        end as expected
    from krs
    left join metric_values
        on krs.metric = metric_values.metric
        and krs.quarter = metric_values.period
        and krs.scope_type = metric_values.scope_type
        and lower(krs.scope_value) = lower(metric_values.scope_value)

),

clipped as (

    -- clipped to [0, 1]; a missing actual stays NULL
    select
        measured.*,
        case
            when raw_score is null then null
            when raw_score < 0 then 0.0
            when raw_score > 1 then 1.0
            else raw_score
        end as score
    from measured

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        quarter,
        quarter_start,
        is_closed_quarter,
        objective_id,
        objective,
        owner,
        kr_id,
        description,
        metric,
        scope_type,
        scope_value,
        direction,
        kind,
        cast(baseline as {{ type_double() }}) as baseline,
        cast(target as {{ type_double() }}) as target,
        cast(actual as {{ type_double() }}) as actual,
        cast(score as {{ type_double() }}) as score,
        cast(expected as {{ type_double() }}) as expected,
        case
            when score is null then 'no_data'
            when is_closed_quarter and score >= 1 then 'achieved'
            when is_closed_quarter then 'missed'
            when score >= expected then 'on_track'
            when score >= 0.7 * expected then 'at_risk'
            else 'off_track'
        end as status,
        cast(avg(score) over (partition by objective_id) as {{ type_double() }})
            as objective_score
    from clipped

)

select * from final
