-- One row per Kantata workspace with its workspace custom fields (Salesforce Opportunity
-- ID, Jira Project Key, Engagement Type, Delivery Model, Delivery Partner) and the SFDC
-- account of the opportunity.
with

workspaces as (

    select * from {{ ref('stg_kantata__workspaces') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

workspace_fields as (

    -- the workspace custom fields, by the tenant's field names (seed
    -- kantata_custom_field_names); a choice field's value is its choice's label
    {{ kantata_custom_field_pivot('Workspace', 'workspace_id', [
        {'field': 'salesforce_opportunity_id', 'column': 'sfdc_opportunity_id'},
        {'field': 'jira_project_key', 'column': 'jira_project_key'},
        {'field': 'engagement_type', 'column': 'engagement_type'},
        {'field': 'delivery_model', 'column': 'delivery_model'},
        {'field': 'delivery_partner', 'column': 'delivery_partner'},
    ]) }}

),

joined as (

    select
        workspaces.workspace_id,
        workspaces.workspace_title,
        workspaces.workspace_status,
        workspaces.workspace_status_key,
        workspaces.start_date,
        workspaces.due_date,
        workspaces.billing_type,
        workspaces.is_fixed_fee,
        workspaces.price_in_cents,
        workspaces.currency,
        workspaces.is_budgeted,
        workspaces.budgeted_hours,
        workspace_fields.sfdc_opportunity_id,
        opportunities.account_id as sfdc_account_id,
        upper(workspace_fields.jira_project_key) as jira_project_key,
        coalesce(workspace_fields.engagement_type, 'Client') as engagement_type,
        coalesce(lower(workspace_fields.engagement_type) = 'internal', false) as is_internal,
        -- Delivery Model (Direct, Partner-led, Co-delivery): empty means Direct (DOMAIN.md §9)
        coalesce(nullif(trim(workspace_fields.delivery_model), ''), 'Direct') as delivery_model,
        nullif(trim(workspace_fields.delivery_partner), '') as delivery_partner,
        workspaces.is_archived,
        workspaces.created_at
    from workspaces
    left join workspace_fields
        on workspaces.workspace_id = workspace_fields.workspace_id
    left join opportunities
        on workspace_fields.sfdc_opportunity_id = opportunities.opportunity_id

)

select * from joined
