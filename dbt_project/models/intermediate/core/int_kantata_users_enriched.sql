-- One row per Kantata user: membership (role, target, rates, manager, end of employment),
-- the user custom fields (Region, Team, Hire Date) and the workweek and holiday calendar
-- in force on the last full day (else the latest one).
with

users as (

    select * from {{ ref('stg_kantata__users') }}

),

memberships as (

    select * from {{ ref('stg_kantata__account_memberships') }}

),

roles as (

    select * from {{ ref('stg_kantata__roles') }}

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

latest_membership as (

    select *
    from (
        select
            memberships.*,
            row_number() over (
                partition by memberships.user_id
                order by memberships.is_disabled, memberships.updated_at desc nulls last,
                    memberships.account_membership_id
            ) as membership_rank
        from memberships
    ) as ranked
    where membership_rank = 1

),

user_fields as (

    -- the user custom fields, by the tenant's field names (seed kantata_custom_field_names);
    -- a choice field's value is its choice's label
    {{ kantata_custom_field_pivot('User', 'user_id', [
        {'field': 'region', 'column': 'region', 'value': 'upper(custom_field_value)'},
        {'field': 'team', 'column': 'team'},
        {'field': 'hire_date', 'column': 'hire_date_text'},
    ]) }}

),

current_workweek as (

    select *
    from (
        select
            workweek_memberships.user_id,
            workweek_memberships.workweek_id,
            row_number() over (
                partition by workweek_memberships.user_id
                order by
                    case
                        when workweek_memberships.start_date <= {{ last_full_day() }}
                            and coalesce(workweek_memberships.end_date, {{ last_full_day() }})
                            >= {{ last_full_day() }}
                            then 0
                        else 1
                    end,
                    workweek_memberships.start_date desc nulls last
            ) as workweek_rank
        from workweek_memberships
    ) as ranked
    where workweek_rank = 1

),

current_holiday_calendar as (

    select *
    from (
        select
            holiday_calendar_memberships.user_id,
            holiday_calendar_memberships.holiday_calendar_id,
            row_number() over (
                partition by holiday_calendar_memberships.user_id
                order by
                    case
                        when holiday_calendar_memberships.start_date <= {{ last_full_day() }}
                            and coalesce(
                                holiday_calendar_memberships.end_date, {{ last_full_day() }}
                            ) >= {{ last_full_day() }}
                            then 0
                        else 1
                    end,
                    holiday_calendar_memberships.start_date desc nulls last
            ) as calendar_rank
        from holiday_calendar_memberships
    ) as ranked
    where calendar_rank = 1

),

joined as (

    select
        users.user_id,
        users.email,
        users.full_name,
        latest_membership.account_membership_id,
        latest_membership.role_id,
        roles.role_name,
        latest_membership.billability_target,
        latest_membership.bill_rate_in_cents,
        latest_membership.cost_rate_in_cents,
        latest_membership.manager_user_id,
        latest_membership.disabled_at,
        latest_membership.disabled_date as termination_date,
        coalesce(latest_membership.is_disabled, false) as is_disabled,
        user_fields.region,
        user_fields.team,
        {{ safe_cast_timestamp('user_fields.hire_date_text') }} as hire_at,
        current_workweek.workweek_id,
        workweeks.weekly_minutes,
        workweeks.working_days_per_week,
        current_holiday_calendar.holiday_calendar_id
    from users
    left join latest_membership
        on users.user_id = latest_membership.user_id
    left join roles
        on latest_membership.role_id = roles.role_id
    left join user_fields
        on users.user_id = user_fields.user_id
    left join current_workweek
        on users.user_id = current_workweek.user_id
    left join workweeks
        on current_workweek.workweek_id = workweeks.workweek_id
    left join current_holiday_calendar
        on users.user_id = current_holiday_calendar.user_id

),

final as (

    select
        user_id,
        email,
        full_name,
        account_membership_id,
        role_id,
        role_name,
        billability_target,
        bill_rate_in_cents,
        cost_rate_in_cents,
        manager_user_id,
        disabled_at,
        termination_date,
        is_disabled,
        region,
        team,
        cast(hire_at as date) as hire_date,
        workweek_id,
        weekly_minutes,
        -- FTE: the workweek's minutes over a 40-hour week; no workweek = full time
        coalesce(cast(weekly_minutes as {{ type_double() }}) / 2400, 1.0) as fte,
        -- a working day's hours under the workweek; default 8
        coalesce(
            {{ safe_divide('weekly_minutes', 'working_days_per_week * 60') }}, 8.0
        ) as standard_daily_hours,
        holiday_calendar_id
    from joined

)

select * from final
