with

policies_matched as (

    select * from {{ ref('int_sla_policies_matched') }}

),

final as (

    select
        issue_id,
        issue_key,
        project_key,
        issue_type,
        priority,
        metric,
        created_at,
        policy_id,
        policy_calendar,
        missing_reason,
        {{ as_of_date() }} as as_of_date
    from policies_matched
    where missing_reason is not null

)

select * from final
