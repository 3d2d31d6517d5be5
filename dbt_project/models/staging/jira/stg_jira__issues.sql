with

source as (

    select * from {{ source('raw_jira', 'issues') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as issue_id,
        "key" as issue_key,
        project_key,
        issue_type,
        priority,
        status_id,
        status_name,
        status_category_key,
        summary,
        assignee_account_id,
        reporter_account_id,
        -- the Jira custom field "Salesforce Opportunity ID" (pre-sales requests, DOMAIN §10)
        nullif(trim(salesforce_opportunity_id), '') as salesforce_opportunity_id,
        created as created_at,
        updated as updated_at,
        resolutiondate as resolved_at,
        status_category_key = 'done' as is_done
    from source

)

select * from renamed
