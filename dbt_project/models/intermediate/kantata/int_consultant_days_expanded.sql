-- One row per consultant (a person with a Kantata user) and day, from the first time
-- entry's day (or var utilization_start_date) to the last full day (as-of - 1), for the
-- days they are employed plus any other day they logged time or time off on.
-- capacity_hours: the minutes of that weekday in the workweek in force that day / 60
-- (no workweek: FTE x 8 on Mon-Fri); 0 on a holiday of the holiday calendar followed that
-- day (no calendar membership: the region's primary calendar) and outside employment.
-- time_off_hours: time off that day, capped at capacity.
with

consultants as (

    select * from {{ ref('int_consultants_conformed') }}
    where kantata_user_id is not null

),

days as (

    select * from {{ ref('int_dates_spined') }}

),

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

time_off_entries as (

    select * from {{ ref('stg_kantata__time_off_entries') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'kantata'

),

workweeks as (

    select * from {{ ref('stg_kantata__workweeks') }}

),

workweek_memberships as (

    select * from {{ ref('stg_kantata__workweek_memberships') }}

),

holiday_calendar_memberships as (

    select * from {{ ref('stg_kantata__holiday_calendar_memberships') }}

),

calendar_regions as (

    select * from {{ ref('int_holiday_calendars_mapped_to_regions') }}

),

holiday_days as (

    select * from {{ ref('int_holiday_days_expanded') }}

),

time_window as (

    select
        {%- if var('utilization_start_date') %}
        cast('{{ var("utilization_start_date") }}' as date) as first_day,
        {%- else %}
        (select min(date_day) from time_entries) as first_day,
        {%- endif %}
        cast({{ last_full_day() }} as date) as last_day

),

employed_days as (

    select
        consultants.consultant_key,
        days.date_day
    from consultants
    cross join time_window
    inner join days
        on days.date_day between time_window.first_day and time_window.last_day
    where days.date_day >= coalesce(consultants.hire_date, time_window.first_day)
        and days.date_day <= coalesce(consultants.termination_date, time_window.last_day)

),

time_off_by_day as (

    select
        identities.consultant_key,
        time_off_entries.requested_date as date_day,
        sum(time_off_entries.time_off_hours) as time_off_requested_hours
    from time_off_entries
    inner join identities
        on time_off_entries.user_id = identities.source_id
    group by identities.consultant_key, time_off_entries.requested_date

),

active_days as (

    select consultant_key, date_day from time_entries
    where not is_rejected
    union
    select consultant_key, date_day from time_off_by_day

),

consultant_days as (

    select consultant_key, date_day from employed_days
    union
    select active_days.consultant_key, active_days.date_day
    from active_days
    cross join time_window
    inner join consultants
        on active_days.consultant_key = consultants.consultant_key
    where active_days.date_day between time_window.first_day and time_window.last_day

),

with_person as (

    select
        consultant_days.consultant_key,
        consultant_days.date_day,
        consultants.kantata_user_id,
        consultants.region,
        consultants.fte,
        consultant_days.date_day >= coalesce(consultants.hire_date, consultant_days.date_day)
        and consultant_days.date_day
        <= coalesce(consultants.termination_date, consultant_days.date_day) as is_employed,
        extract(isodow from consultant_days.date_day) as iso_day_of_week
    from consultant_days
    inner join consultants
        on consultant_days.consultant_key = consultants.consultant_key

),

workweek_in_force as (

    select *
    from (
        select
            with_person.consultant_key,
            with_person.date_day,
            workweek_memberships.workweek_id,
            row_number() over (
                partition by with_person.consultant_key, with_person.date_day
                order by workweek_memberships.start_date desc,
                    workweek_memberships.workweek_membership_id desc
            ) as membership_rank
        from with_person
        inner join workweek_memberships
            on with_person.kantata_user_id = workweek_memberships.user_id
            and workweek_memberships.start_date <= with_person.date_day
            and coalesce(workweek_memberships.end_date, with_person.date_day)
            >= with_person.date_day
    ) as ranked
    where membership_rank = 1

),

calendar_in_force as (

    select *
    from (
        select
            with_person.consultant_key,
            with_person.date_day,
            holiday_calendar_memberships.holiday_calendar_id,
            row_number() over (
                partition by with_person.consultant_key, with_person.date_day
                order by holiday_calendar_memberships.start_date desc,
                    holiday_calendar_memberships.holiday_calendar_membership_id desc
            ) as membership_rank
        from with_person
        inner join holiday_calendar_memberships
            on with_person.kantata_user_id = holiday_calendar_memberships.user_id
            and holiday_calendar_memberships.start_date <= with_person.date_day
            and coalesce(holiday_calendar_memberships.end_date, with_person.date_day)
            >= with_person.date_day
    ) as ranked
    where membership_rank = 1

),

region_calendars as (

    select region, holiday_calendar_id
    from calendar_regions
    where is_region_primary_calendar

),

scheduled as (

    select
        with_person.consultant_key,
        with_person.kantata_user_id,
        with_person.date_day,
        with_person.is_employed,
        workweek_in_force.workweek_id,
        coalesce(calendar_in_force.holiday_calendar_id, region_calendars.holiday_calendar_id)
            as holiday_calendar_id,
        holiday_days.holiday_calendar_id is not null as is_holiday,
        {{ workweek_hours('with_person.iso_day_of_week', 'workweeks', 'with_person.fte') }}
            as workweek_hours
    from with_person
    left join workweek_in_force
        on with_person.consultant_key = workweek_in_force.consultant_key
        and with_person.date_day = workweek_in_force.date_day
    left join workweeks
        on workweek_in_force.workweek_id = workweeks.workweek_id
    left join calendar_in_force
        on with_person.consultant_key = calendar_in_force.consultant_key
        and with_person.date_day = calendar_in_force.date_day
    left join region_calendars
        on with_person.region = region_calendars.region
    left join holiday_days
        on coalesce(calendar_in_force.holiday_calendar_id, region_calendars.holiday_calendar_id)
        = holiday_days.holiday_calendar_id
        and with_person.date_day = holiday_days.date_day

),

capacity as (

    select
        scheduled.*,
        case
            when not scheduled.is_employed or scheduled.is_holiday then 0.0
            else scheduled.workweek_hours
        end as capacity_hours,
        coalesce(time_off_by_day.time_off_requested_hours, 0.0) as time_off_requested_hours
    from scheduled
    left join time_off_by_day
        on scheduled.consultant_key = time_off_by_day.consultant_key
        and scheduled.date_day = time_off_by_day.date_day

),

final as (

    select
        consultant_key,
        kantata_user_id,
        date_day,
        is_employed,
        is_holiday,
        workweek_id,
        holiday_calendar_id,
        cast(workweek_hours as {{ type_double() }}) as workweek_hours,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_requested_hours as {{ type_double() }}) as time_off_requested_hours,
        cast(least(time_off_requested_hours, capacity_hours) as {{ type_double() }})
            as time_off_hours,
        cast(capacity_hours - least(time_off_requested_hours, capacity_hours)
            as {{ type_double() }}) as available_hours
    from capacity

)

select * from final
