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

    {{ time_off_by_consultant_day('time_off_entries', 'identities') }}

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

capacity_days as (

    -- workweek and holiday calendar in force that day, capacity, time off, available
    -- hours: the rule shared with future days (macros/consultant_capacity_days.sql)
    {{ consultant_capacity_days('with_person', 'time_off_by_day', carry=['kantata_user_id']) }}

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
        workweek_hours,
        capacity_hours,
        time_off_requested_hours,
        time_off_hours,
        available_hours
    from capacity_days

)

select * from final
