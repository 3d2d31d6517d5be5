-- Hygiene rule workspace_without_opportunity (DOMAIN.md §11): a client workspace (not
-- internal, not archived) with no Salesforce Opportunity ID custom field, one finding per
-- workspace: its revenue and bookings cannot be tied to what was sold.
with

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

final as (

    select
        cast(workspace_id as varchar) as record_id,
        '"' || coalesce(workspace_title, '') || '" ('
        || coalesce(workspace_status, 'no status')
        || '): client workspace without a Salesforce Opportunity ID' as detail
    from workspaces
    where not is_internal
        and not coalesce(is_archived, false)
        and sfdc_opportunity_id is null

)

select * from final
