-- Hygiene rule won_opportunity_without_workspace (DOMAIN.md §11): a closed-won opportunity
-- with a Professional Services line (int_ps_opportunities_weighted) that, 30 days after
-- its close date (close date + 30 <= as-of date), no Kantata workspace names in its
-- Salesforce Opportunity ID, one finding per opportunity: sold work nobody set up.
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

ps_opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}

),

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

linked as (

    select distinct sfdc_opportunity_id as opportunity_id
    from workspaces
    where sfdc_opportunity_id is not null

),

final as (

    select
        cast(opportunities.opportunity_id as varchar) as record_id,
        '"' || coalesce(opportunities.opportunity_name, '') || '" closed won '
        || cast(opportunities.close_date as varchar) || ' with PS amount '
        || {{ hygiene_round_text('ps_opportunities.ps_amount') }}
        || ': no Kantata workspace after 30 days' as detail
    from opportunities
    inner join ps_opportunities
        on opportunities.opportunity_id = ps_opportunities.opportunity_id
    left join linked
        on opportunities.opportunity_id = linked.opportunity_id
    where opportunities.is_won
        and {{ dbt.dateadd('day', 30, 'opportunities.close_date') }} <= {{ as_of_date() }}
        and linked.opportunity_id is null

)

select * from final
