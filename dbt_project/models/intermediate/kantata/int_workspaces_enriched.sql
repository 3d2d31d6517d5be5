-- One row per Kantata workspace with its workspace custom fields (Salesforce Opportunity
-- ID, Jira Project Key, Engagement Type) and the SFDC account of the opportunity.
with

workspaces as (

    select * from {{ ref('stg_kantata__workspaces') }}

),

custom_field_values as (

    -- named: a choice field's value is its choice's label
    select * from {{ ref('int_custom_field_values_named') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

field_names as (

    select * from {{ ref('kantata_custom_field_names') }}

),

workspace_field_values as (

    -- the tenant's field names (seed kantata_custom_field_names) -> psops' fields
    select
        custom_field_values.subject_id as workspace_id,
        field_names.field as field_name,
        custom_field_values.custom_field_value
    from custom_field_values
    inner join field_names
        on lower(trim(custom_field_values.custom_field_name))
        = lower(trim(field_names.custom_field_name))
        and custom_field_values.subject_type = field_names.subject_type
    where custom_field_values.subject_type = 'Workspace'

),

workspace_fields as (

    select
        workspace_id,
        max(case when field_name = 'salesforce_opportunity_id' then custom_field_value end)
            as sfdc_opportunity_id,
        max(case when field_name = 'jira_project_key' then custom_field_value end)
            as jira_project_key,
        max(case when field_name = 'engagement_type' then custom_field_value end)
            as engagement_type
    from workspace_field_values
    group by workspace_id

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
        workspaces.is_archived,
        workspaces.created_at
    from workspaces
    left join workspace_fields
        on workspaces.workspace_id = workspace_fields.workspace_id
    left join opportunities
        on workspace_fields.sfdc_opportunity_id = opportunities.opportunity_id

)

select * from joined
