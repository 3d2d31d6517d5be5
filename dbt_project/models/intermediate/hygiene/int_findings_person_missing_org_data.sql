-- Hygiene rule person_missing_org_data (DOMAIN.md §11): an active delivery person whose
-- Kantata record lacks a role, region, team, workweek or holiday calendar, one finding per
-- Kantata user. Delivery person: a role listed in utilization_targets, or no role at all
-- (the missing role is what keeps them out of the utilization population). Active:
-- employed on the last full day before the as-of date (hired by then, not terminated
-- before it).
with

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

delivery_roles as (

    select distinct role from {{ ref('utilization_targets') }}

),

active_delivery as (

    select
        users.user_id,
        users.full_name,
        users.role_name,
        {#- what is missing, in a fixed order #}
        concat_ws(
            ', ',
            case when users.role_name is null then 'role' end,
            case when users.region is null then 'region' end,
            case when users.team is null then 'team' end,
            case when users.workweek_id is null then 'workweek' end,
            case when users.holiday_calendar_id is null then 'holiday calendar' end
        ) as missing
    from users
    left join delivery_roles
        on users.role_name = delivery_roles.role
    where (users.role_name is null or delivery_roles.role is not null)
        and coalesce(users.hire_date, {{ last_full_day() }}) <= {{ last_full_day() }}
        and coalesce(users.termination_date, {{ last_full_day() }}) >= {{ last_full_day() }}

),

final as (

    select
        cast(user_id as varchar) as record_id,
        coalesce(full_name, 'user ' || user_id) || ' (' || coalesce(role_name, 'no role')
        || '): no ' || missing as detail
    from active_delivery
    where missing <> ''

)

select * from final
