-- One row per human across Kantata, Jira and Salesforce (matched on e-mail), with the
-- Kantata attributes that make them a consultant (role, region, team, FTE, employment).
-- is_delivery_role: the Kantata role is one the seed utilization_targets lists, i.e. the
-- person is in the utilization population (DOMAIN.md §2).
with

identities as (

    select * from {{ ref('int_identities_resolved') }}

),

kantata_users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

humans as (

    select
        consultant_key,
        max(email) as email,
        max(case when system = 'kantata' and is_primary_record then source_id end)
            as kantata_user_id,
        max(case when system = 'jira' and is_primary_record then source_id end)
            as jira_account_id,
        max(case when system = 'salesforce' and is_primary_record then source_id end)
            as sfdc_user_id,
        max(case when system = 'kantata' and is_primary_record then display_name end)
            as kantata_name,
        max(case when system = 'salesforce' and is_primary_record then display_name end)
            as salesforce_name,
        max(case when system = 'jira' and is_primary_record then display_name end)
            as jira_name,
        max(case when is_active then 1 else 0 end) = 1 as is_active_anywhere
    from identities
    group by consultant_key

),

delivery_roles as (

    -- the utilization population's roles: those the seed utilization_targets lists
    select distinct role from {{ ref('utilization_targets') }}

),

kantata_keys as (

    select source_id as kantata_user_id, consultant_key
    from identities
    where system = 'kantata'

),

joined as (

    select
        humans.consultant_key,
        humans.email,
        coalesce(humans.kantata_name, humans.salesforce_name, humans.jira_name) as full_name,
        kantata_users.role_name as role,
        delivery_roles.role is not null as is_delivery_role,
        kantata_users.region,
        kantata_users.team,
        managers.consultant_key as manager_key,
        coalesce(kantata_users.fte, 1.0) as fte,
        coalesce(kantata_users.standard_daily_hours, 8.0) as standard_daily_hours,
        kantata_users.hire_date,
        kantata_users.termination_date,
        {{ region_timezone('kantata_users.region') }} as timezone,
        kantata_users.billability_target,
        kantata_users.bill_rate_in_cents,
        kantata_users.cost_rate_in_cents,
        kantata_users.workweek_id,
        kantata_users.holiday_calendar_id,
        humans.kantata_user_id,
        humans.jira_account_id,
        humans.sfdc_user_id,
        humans.kantata_user_id is not null as has_kantata_user,
        case
            when humans.kantata_user_id is not null then not kantata_users.is_disabled
            else humans.is_active_anywhere
        end as is_active
    from humans
    left join kantata_users
        on humans.kantata_user_id = kantata_users.user_id
    left join kantata_keys as managers
        on kantata_users.manager_user_id = managers.kantata_user_id
    left join delivery_roles
        on kantata_users.role_name = delivery_roles.role

)

select * from joined
