-- One row per Kantata workspace (an engagement) with the customer it was sold to (the
-- Salesforce account of its opportunity; NULL when unknown). The body of dim_engagement;
-- intermediate models read this one.
with

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

accounts as (

    select account_id from {{ ref('stg_salesforce__accounts') }}

),

final as (

    select
        workspace_id as engagement_id,
        workspace_title as engagement_name,
        workspace_status as status,
        workspace_status_key as status_key,
        start_date,
        due_date,
        billing_type,
        is_fixed_fee,
        price_in_cents,
        currency,
        is_budgeted,
        cast(budgeted_hours as {{ type_double() }}) as budgeted_hours,
        sfdc_opportunity_id,
        sfdc_account_id,
        -- the customer (dim_customer); NULL when the opportunity's account is unknown
        accounts.account_id as customer_key,
        jira_project_key,
        engagement_type,
        is_internal,
        delivery_model,
        delivery_partner,
        is_archived,
        created_at
    from workspaces
    left join accounts
        on workspaces.sfdc_account_id = accounts.account_id

)

select * from final
