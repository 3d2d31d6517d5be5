-- Future supply: one row per active consultant in a delivery role (the utilization
-- population) and day of the capacity horizon (the 12
-- ISO weeks from the first Monday on or after the as-of date). capacity_hours = the
-- minutes of that weekday in the workweek in force that day / 60 (no workweek: FTE x 8 on
-- Mon-Fri), 0 on a holiday of the holiday calendar in force that day (else the region's
-- primary one) or outside employment; time_off_hours = booked time off, capped at
-- capacity. The same rule as past days (macros/consultant_capacity_days.sql).
with

consultants as (

    -- the utilization population (DOMAIN.md §2): people in a delivery role supply hours
    -- fte and billability_target as doubles, as dim_consultant holds them
    select
        consultant_key,
        kantata_user_id,
        region,
        role,
        cast(fte as {{ type_double() }}) as fte,
        hire_date,
        termination_date,
        cast(billability_target as {{ type_double() }}) as billability_target,
        is_active
    from {{ ref('int_consultants_conformed') }}
    where has_kantata_user and is_delivery_role

),

days as (

    select * from {{ ref('int_calendar_days') }}

),

time_off_entries as (

    select * from {{ ref('stg_kantata__time_off_entries') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'kantata'

),

role_targets as (

    select * from {{ ref('utilization_targets') }}

),

horizon as (

    select
        cast({{ dbt.dateadd(
            'day', '(8 - extract(isodow from ' ~ as_of_date() ~ ')) % 7', as_of_date()
        ) }} as date) as first_day

),

horizon_days as (

    select days.date_day, days.week_start, days.iso_day_of_week
    from days
    cross join horizon
    where days.date_day >= horizon.first_day
        and days.date_day < cast({{ dbt.dateadd('day', 84, 'horizon.first_day') }} as date)

),

people as (

    select
        consultants.consultant_key,
        consultants.kantata_user_id,
        consultants.region,
        consultants.role,
        consultants.fte,
        consultants.hire_date,
        consultants.termination_date,
        coalesce(consultants.billability_target, role_targets.target_billable_utilization)
            as target_utilization
    from consultants
    left join role_targets
        on consultants.role = role_targets.role
    where consultants.is_active

),

person_days as (

    -- every horizon day, employed or not (0 capacity outside employment)
    select
        people.consultant_key,
        people.kantata_user_id,
        people.region,
        people.role,
        people.fte,
        people.target_utilization,
        horizon_days.date_day,
        horizon_days.week_start,
        horizon_days.iso_day_of_week,
        horizon_days.date_day >= coalesce(people.hire_date, horizon_days.date_day)
        and horizon_days.date_day
        <= coalesce(people.termination_date, horizon_days.date_day) as is_employed
    from people
    cross join horizon_days

),

time_off_by_day as (

    {{ time_off_by_consultant_day('time_off_entries', 'identities') }}

),

capacity_days as (

    {{ consultant_capacity_days(
        'person_days',
        'time_off_by_day',
        carry=['region', 'role', 'target_utilization', 'week_start'],
    ) }}

),

final as (

    select
        consultant_key,
        region,
        role,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        date_day,
        week_start,
        capacity_hours,
        time_off_hours,
        available_hours
    from capacity_days

)

select * from final
