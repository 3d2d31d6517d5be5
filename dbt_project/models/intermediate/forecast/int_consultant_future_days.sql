-- Future supply: one row per active consultant in a delivery role (the utilization
-- population) and day of the capacity horizon (the 12
-- ISO weeks from the first Monday on or after the as-of date). capacity_hours = the
-- minutes of that weekday in the person's current workweek / 60 (no workweek: FTE x 8 on
-- Mon-Fri), 0 on a holiday of their current holiday calendar (else the region's primary
-- one) or outside employment; time_off_hours = booked time off, capped at capacity.
with

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

consultants as (

    -- the utilization population (DOMAIN.md §2): people in a delivery role supply hours
    select * from {{ ref('dim_consultant') }}
    where has_kantata_user and is_delivery_role

),

days as (

    select * from {{ ref('dim_date') }}

),

workweeks as (

    select * from {{ ref('stg_kantata__workweeks') }}

),

calendar_regions as (

    select * from {{ ref('int_holiday_calendars_mapped_to_regions') }}
    where is_region_primary_calendar

),

holiday_days as (

    select * from {{ ref('int_holiday_days_expanded') }}

),

time_off_entries as (

    select * from {{ ref('stg_kantata__time_off_entries') }}

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
            as target_utilization,
        users.workweek_id,
        coalesce(users.holiday_calendar_id, calendar_regions.holiday_calendar_id)
            as holiday_calendar_id
    from consultants
    inner join users
        on consultants.kantata_user_id = users.user_id
    left join calendar_regions
        on consultants.region = calendar_regions.region
    left join role_targets
        on consultants.role = role_targets.role
    where consultants.is_active

),

time_off_by_day as (

    select
        user_id,
        requested_date as date_day,
        sum(time_off_hours) as time_off_hours
    from time_off_entries
    group by user_id, requested_date

),

capacity as (

    select
        people.consultant_key,
        people.region,
        people.role,
        people.target_utilization,
        horizon_days.date_day,
        horizon_days.week_start,
        case
            when horizon_days.date_day < coalesce(people.hire_date, horizon_days.date_day)
                or horizon_days.date_day > coalesce(people.termination_date, horizon_days.date_day)
                or holiday_days.holiday_calendar_id is not null
                then 0.0
            else {{ workweek_hours('horizon_days.iso_day_of_week', 'workweeks', 'people.fte') }}
        end as capacity_hours,
        coalesce(time_off_by_day.time_off_hours, 0) as time_off_requested_hours
    from people
    cross join horizon_days
    left join workweeks
        on people.workweek_id = workweeks.workweek_id
    left join holiday_days
        on people.holiday_calendar_id = holiday_days.holiday_calendar_id
        and horizon_days.date_day = holiday_days.date_day
    left join time_off_by_day
        on people.kantata_user_id = time_off_by_day.user_id
        and horizon_days.date_day = time_off_by_day.date_day

),

final as (

    select
        consultant_key,
        region,
        role,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        date_day,
        week_start,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(least(time_off_requested_hours, capacity_hours) as {{ type_double() }})
            as time_off_hours,
        cast(capacity_hours - least(time_off_requested_hours, capacity_hours)
            as {{ type_double() }}) as available_hours
    from capacity

)

select * from final
