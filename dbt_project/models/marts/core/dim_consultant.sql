with

consultants as (

    select * from {{ ref('int_consultants_conformed') }}

),

final as (

    select
        consultant_key,
        email,
        full_name,
        role,
        is_delivery_role,
        region,
        team,
        manager_key,
        cast(fte as {{ type_double() }}) as fte,
        cast(standard_daily_hours as {{ type_double() }}) as standard_daily_hours,
        hire_date,
        termination_date,
        timezone,
        cast(billability_target as {{ type_double() }}) as billability_target,
        kantata_user_id,
        jira_account_id,
        sfdc_user_id,
        has_kantata_user,
        is_active
    from consultants

)

select * from final
