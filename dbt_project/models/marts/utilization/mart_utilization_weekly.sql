with

daily as (

    select * from {{ ref('fct_utilization_daily') }}

),

consultants as (

    select * from {{ ref('dim_consultant') }}

),

role_targets as (

    select * from {{ ref('utilization_targets') }}

),

weekly as (

    -- sums first; the ratios are taken of the sums
    select
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        region,
        role,
        team,
        count(*) as days_in_window,
        sum(capacity_hours) as capacity_hours,
        sum(time_off_hours) as time_off_hours,
        sum(available_hours) as available_hours,
        sum(billable_hours) as billable_hours,
        sum(client_non_billable_hours) as client_non_billable_hours,
        sum(internal_hours) as internal_hours,
        sum(non_billable_hours) as non_billable_hours
    from daily
    group by
        consultant_key,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date),
        region,
        role,
        team

),

with_target as (

    select
        weekly.*,
        coalesce(consultants.billability_target, role_targets.target_billable_utilization)
            as target_utilization,
        {{ safe_divide('weekly.billable_hours', 'weekly.available_hours') }}
            as billable_utilization,
        {{ safe_divide(
            'weekly.billable_hours + weekly.client_non_billable_hours',
            'weekly.available_hours'
        ) }} as productive_utilization
    from weekly
    left join consultants
        on weekly.consultant_key = consultants.consultant_key
    left join role_targets
        on weekly.role = role_targets.role

),

final as (

    select
        consultant_key,
        week_start,
        cast(extract(isoyear from week_start) as integer) as iso_year,
        cast(extract(week from week_start) as integer) as iso_week,
        region,
        role,
        team,
        cast(days_in_window as integer) as days_in_window,
        {{ dbt.dateadd('day', 6, 'week_start') }} < {{ as_of_date() }} as is_complete_week,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_hours as {{ type_double() }}) as time_off_hours,
        cast(available_hours as {{ type_double() }}) as available_hours,
        cast(billable_hours as {{ type_double() }}) as billable_hours,
        cast(client_non_billable_hours as {{ type_double() }}) as client_non_billable_hours,
        cast(internal_hours as {{ type_double() }}) as internal_hours,
        cast(non_billable_hours as {{ type_double() }}) as non_billable_hours,
        cast(billable_utilization as {{ type_double() }}) as billable_utilization,
        cast(productive_utilization as {{ type_double() }}) as productive_utilization,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast(billable_utilization - target_utilization as {{ type_double() }})
            as utilization_gap,
        coalesce(billable_utilization > 1.5, false) as is_over_150_percent
    from with_target

)

select * from final
