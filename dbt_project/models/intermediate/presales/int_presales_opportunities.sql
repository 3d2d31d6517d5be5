-- One row per Salesforce opportunity that is PS-eligible (has a Professional Services
-- line: int_ps_opportunities_weighted) or that a pre-sales request points at: its
-- account's region and segment, PS amount (0 without a PS line), outcome (won, lost,
-- open) and close date, and how many requests point at it and how many were scoped
-- (DOMAIN.md §10: win rate of scoped opportunities vs PS-eligible ones without a request).
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

ps_opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}

),

requests as (

    select * from {{ ref('int_presales_requests') }}

),

request_counts as (

    select
        matched_opportunity_id as opportunity_id,
        count(*) as requests,
        count(scoped_at) as scoped_requests,
        min(scoped_at) as first_scoped_at
    from requests
    where matched_opportunity_id is not null
    group by matched_opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        coalesce(accounts.region, 'UNASSIGNED') as region,
        coalesce(accounts.segment, 'Unknown') as segment,
        cast(coalesce(ps_opportunities.ps_amount, 0) as {{ type_double() }}) as ps_amount,
        ps_opportunities.opportunity_id is not null as is_ps_eligible,
        case
            when opportunities.is_won then 'won'
            when opportunities.is_closed then 'lost'
            else 'open'
        end as opportunity_outcome,
        opportunities.close_date,
        coalesce(request_counts.requests, 0) as requests,
        coalesce(request_counts.scoped_requests, 0) as scoped_requests,
        request_counts.first_scoped_at
    from opportunities
    left join accounts
        on opportunities.account_id = accounts.account_id
    left join ps_opportunities
        on opportunities.opportunity_id = ps_opportunities.opportunity_id
    left join request_counts
        on opportunities.opportunity_id = request_counts.opportunity_id
    where ps_opportunities.opportunity_id is not null
        or request_counts.opportunity_id is not null

)

select * from final
