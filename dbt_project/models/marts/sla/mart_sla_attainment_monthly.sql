with

clocks as (

    select * from {{ ref('fct_sla_clocks') }}

),

counted as (

    select
        stop_month as month_start,
        project_key,
        priority,
        metric,
        count(case when sla_status = 'met' then 1 end) as met_count,
        count(case when sla_status = 'breached' then 1 end) as breached_count
    from clocks
    where sla_status in ('met', 'breached')
    group by stop_month, project_key, priority, metric

),

final as (

    select
        month_start,
        project_key,
        priority,
        metric,
        met_count,
        breached_count,
        {{ safe_divide('met_count', 'met_count + breached_count') }} as sla_attainment,
        {{ as_of_date() }} as as_of_date
    from counted

)

select * from final
