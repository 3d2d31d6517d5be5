-- Hygiene rule workspace_opportunity_unmatched (DOMAIN.md §11): a workspace (not archived)
-- whose Salesforce Opportunity ID names no Salesforce opportunity (the exact 18-character
-- id, as int_workspaces_enriched links them), one finding per workspace.
with

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

final as (

    select
        cast(workspaces.workspace_id as varchar) as record_id,
        '"' || coalesce(workspaces.workspace_title, '') || '": Salesforce Opportunity ID '
        || workspaces.sfdc_opportunity_id || ' matches no opportunity' as detail
    from workspaces
    left join opportunities
        on workspaces.sfdc_opportunity_id = opportunities.opportunity_id
    where workspaces.sfdc_opportunity_id is not null
        and not coalesce(workspaces.is_archived, false)
        and opportunities.opportunity_id is null

)

select * from final
