-- One row per Salesforce opportunity with Professional Services lines
-- (int_ps_opportunities_weighted) with its owner (the account executive), its customer's
-- region and segment and the quarter it closes in: the sales side of coverage (DOMAIN.md §9).
with

ps_opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}

),

opportunities as (

    select opportunity_id, owner_user_id from {{ ref('stg_salesforce__opportunities') }}

),

final as (

    select
        ps_opportunities.opportunity_id,
        ps_opportunities.account_id,
        opportunities.owner_user_id,
        case
            when ps_opportunities.region in ('UNASSIGNED', '') then 'Unassigned'
            else ps_opportunities.region
        end as region,
        case
            when ps_opportunities.segment in ('Unknown', '') then 'Unassigned'
            else ps_opportunities.segment
        end as segment,
        ps_opportunities.close_date,
        cast({{ dbt.date_trunc('quarter', 'ps_opportunities.close_date') }} as date)
            as close_quarter_start,
        not ps_opportunities.is_closed as is_open,
        ps_opportunities.is_closed and ps_opportunities.is_won as is_closed_won,
        ps_opportunities.ps_amount,
        ps_opportunities.weighted_ps_amount
    from ps_opportunities
    left join opportunities
        on ps_opportunities.opportunity_id = opportunities.opportunity_id

)

select * from final
