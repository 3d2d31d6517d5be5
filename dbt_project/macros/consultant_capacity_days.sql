{#- DOMAIN.md §2, written once for past days (int_consultant_days_expanded, utilization)
    and future days (int_consultant_future_days, capacity forecast): a person-day's
    capacity, time off and available hours.

    person_days: a relation with one row per person and day and the columns
      consultant_key, kantata_user_id, region, fte, date_day, iso_day_of_week, is_employed;
      carry: the names of further person_days columns to pass through.
    time_off_by_day: a relation of consultant_key, date_day, time_off_requested_hours
      (time_off_by_consultant_day()).
    The schedule comes from stg_kantata__workweeks, stg_kantata__workweek_memberships,
    stg_kantata__holiday_calendar_memberships, int_holiday_calendars_mapped_to_regions and
    int_holiday_days_expanded, read here.

    The workweek and the holiday calendar are the memberships in force that day (the
    latest start, then the latest membership id); no calendar membership: the region's
    primary calendar; no workweek: FTE x 8 on Mon-Fri (workweek_hours()).
    capacity_hours: the workweek hours, 0 on a holiday of that calendar or outside
    employment; time_off_hours: time off requested that day, capped at capacity;
    available_hours = capacity_hours - time_off_hours.

    Returns a select of consultant_key, date_day, is_employed, the carry columns,
    workweek_id, holiday_calendar_id, is_holiday and the double columns workweek_hours, capacity_hours, time_off_requested_hours,
    time_off_hours, available_hours. -#}
{% macro consultant_capacity_days(person_days, time_off_by_day, carry=[]) -%}
    with

    workweek_in_force as (

        {{ membership_in_force(
            person_days,
            ref('stg_kantata__workweek_memberships'),
            'workweek_id',
            'workweek_membership_id'
        ) }}

    ),

    calendar_in_force as (

        {{ membership_in_force(
            person_days,
            ref('stg_kantata__holiday_calendar_memberships'),
            'holiday_calendar_id',
            'holiday_calendar_membership_id'
        ) }}

    ),

    region_calendars as (

        select region, holiday_calendar_id
        from {{ ref('int_holiday_calendars_mapped_to_regions') }}
        where is_region_primary_calendar

    ),

    scheduled as (

        select
            person_days.consultant_key,
            person_days.date_day,
            person_days.is_employed,
            {%- for column in carry %}
            person_days.{{ column }},
            {%- endfor %}
            workweek_in_force.workweek_id,
            coalesce(calendar_in_force.holiday_calendar_id, region_calendars.holiday_calendar_id)
                as holiday_calendar_id,
            holiday_days.holiday_calendar_id is not null as is_holiday,
            {{ workweek_hours('person_days.iso_day_of_week', 'workweeks', 'person_days.fte') }}
                as workweek_hours
        from (select * from {{ person_days }}) as person_days
        left join workweek_in_force
            on person_days.consultant_key = workweek_in_force.consultant_key
            and person_days.date_day = workweek_in_force.date_day
        left join (select * from {{ ref('stg_kantata__workweeks') }}) as workweeks
            on workweek_in_force.workweek_id = workweeks.workweek_id
        left join calendar_in_force
            on person_days.consultant_key = calendar_in_force.consultant_key
            and person_days.date_day = calendar_in_force.date_day
        left join region_calendars
            on person_days.region = region_calendars.region
        left join (select * from {{ ref('int_holiday_days_expanded') }}) as holiday_days
            on coalesce(calendar_in_force.holiday_calendar_id, region_calendars.holiday_calendar_id)
            = holiday_days.holiday_calendar_id
            and person_days.date_day = holiday_days.date_day

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
        left join (select * from {{ time_off_by_day }}) as time_off_by_day
            on scheduled.consultant_key = time_off_by_day.consultant_key
            and scheduled.date_day = time_off_by_day.date_day

    )

    select
        consultant_key,
        date_day,
        is_employed,
        {%- for column in carry %}
        {{ column }},
        {%- endfor %}
        workweek_id,
        holiday_calendar_id,
        is_holiday,
        cast(workweek_hours as {{ type_double() }}) as workweek_hours,
        cast(capacity_hours as {{ type_double() }}) as capacity_hours,
        cast(time_off_requested_hours as {{ type_double() }}) as time_off_requested_hours,
        cast(least(time_off_requested_hours, capacity_hours) as {{ type_double() }})
            as time_off_hours,
        cast(capacity_hours - least(time_off_requested_hours, capacity_hours)
            as {{ type_double() }}) as available_hours
    from capacity
{%- endmacro %}


{#- The membership (workweek or holiday calendar) in force on each person-day of
    person_days (consultant_key, kantata_user_id, date_day): start_date <= day <=
    end_date (open-ended: no end_date); several: the latest start, then the latest
    membership id. Returns consultant_key, date_day, value_column. -#}
{% macro membership_in_force(person_days, memberships, value_column, membership_id_column) -%}
    select consultant_key, date_day, {{ value_column }}
    from (
        select
            person_days.consultant_key,
            person_days.date_day,
            memberships.{{ value_column }},
            row_number() over (
                partition by person_days.consultant_key, person_days.date_day
                order by memberships.start_date desc nulls last,
                    memberships.{{ membership_id_column }} desc nulls last
            ) as membership_rank
        from (select * from {{ person_days }}) as person_days
        inner join (select * from {{ memberships }}) as memberships
            on person_days.kantata_user_id = memberships.user_id
            and memberships.start_date <= person_days.date_day
            and coalesce(memberships.end_date, person_days.date_day)
            >= person_days.date_day
    ) as ranked
    where membership_rank = 1
{%- endmacro %}

{#- Time off requested per person and day (DOMAIN.md §2): Kantata time off entries
    (time_off_entries: user_id, requested_date, time_off_hours) summed per consultant
    through the Kantata identities (identities: source_id, consultant_key), so a person
    with several Kantata users counts all of them. Returns consultant_key, date_day,
    time_off_requested_hours. -#}
{% macro time_off_by_consultant_day(time_off_entries='time_off_entries', identities='identities') -%}
    select
        identities.consultant_key,
        time_off_entries.requested_date as date_day,
        sum(time_off_entries.time_off_hours) as time_off_requested_hours
    from (select * from {{ time_off_entries }}) as time_off_entries
    inner join (select * from {{ identities }}) as identities
        on time_off_entries.user_id = identities.source_id
    group by identities.consultant_key, time_off_entries.requested_date
{%- endmacro %}
