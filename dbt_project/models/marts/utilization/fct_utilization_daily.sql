with

capacity as (

    select * from {{ ref('int_consultant_days_expanded') }}

),

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

consultants as (

    select * from {{ ref('int_consultants_conformed') }}

),

hours_by_day as (

    -- rejected timesheets count nowhere
    select
        consultant_key,
        date_day,
        sum(case when hour_category = 'billable' then hours else 0 end) as billable_hours,
        sum(case when hour_category = 'client_non_billable' then hours else 0 end)
            as client_non_billable_hours,
        sum(case when hour_category = 'internal' then hours else 0 end) as internal_hours
    from time_entries
    where not is_rejected
    group by consultant_key, date_day

),

joined as (

    select
        capacity.consultant_key,
        capacity.date_day,
        consultants.region,
        consultants.role,
        consultants.team,
        capacity.is_employed,
        capacity.is_holiday,
        capacity.capacity_hours,
        capacity.time_off_hours,
        capacity.available_hours,
        coalesce(hours_by_day.billable_hours, 0) as billable_hours,
        coalesce(hours_by_day.client_non_billable_hours, 0) as client_non_billable_hours,
        coalesce(hours_by_day.internal_hours, 0) as internal_hours
    from capacity
    inner join consultants
        on capacity.consultant_key = consultants.consultant_key
    left join hours_by_day
        on capacity.consultant_key = hours_by_day.consultant_key
        and capacity.date_day = hours_by_day.date_day

),

final as (

    select
        consultant_key,
        date_day,
        region,
        role,
        team,
        is_employed,
        is_holiday,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_hours as {{ type_double() }}) as time_off_hours,
        cast(available_hours as {{ type_double() }}) as available_hours,
        cast(billable_hours as {{ type_double() }}) as billable_hours,
        cast(client_non_billable_hours as {{ type_double() }}) as client_non_billable_hours,
        cast(internal_hours as {{ type_double() }}) as internal_hours,
        cast(client_non_billable_hours + internal_hours as {{ type_double() }})
            as non_billable_hours
    from joined

)

select * from final
