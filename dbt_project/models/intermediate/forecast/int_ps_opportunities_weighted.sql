-- One row per Salesforce opportunity with at least one Professional Services line
-- (Product2 family "Professional Services"): its PS amount and the weighted PS amount
-- = PS amount x Probability / 100 (the stage's probability from stage_probabilities when
-- Salesforce sent none), with the customer's region and segment.
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

line_items as (

    select * from {{ ref('stg_salesforce__opportunity_line_items') }}

),

products as (

    select * from {{ ref('stg_salesforce__products') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

stage_probabilities as (

    select * from {{ ref('stage_probabilities') }}

),

ps_lines as (

    select
        line_items.opportunity_id,
        sum(line_items.total_price) as ps_amount
    from line_items
    inner join products
        on line_items.product_id = products.product_id
    where products.is_professional_services
    group by line_items.opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        coalesce(accounts.region, 'UNASSIGNED') as region,
        coalesce(accounts.segment, 'Unknown') as segment,
        opportunities.stage_name,
        opportunities.close_date,
        {{ month_start('opportunities.close_date') }} as close_month,
        opportunities.is_closed,
        opportunities.is_won,
        coalesce(
            opportunities.forecast_category, stage_probabilities.forecast_category, 'Pipeline'
        ) as forecast_category,
        cast(coalesce(opportunities.probability, stage_probabilities.probability, 0)
            as {{ type_double() }}) as probability,
        opportunities.probability is null as is_probability_from_seed,
        cast(ps_lines.ps_amount as {{ type_double() }}) as ps_amount,
        cast(ps_lines.ps_amount
            * coalesce(opportunities.probability, stage_probabilities.probability, 0) / 100.0
            as {{ type_double() }}) as weighted_ps_amount
    from opportunities
    inner join ps_lines
        on opportunities.opportunity_id = ps_lines.opportunity_id
    left join accounts
        on opportunities.account_id = accounts.account_id
    left join stage_probabilities
        on opportunities.stage_name = stage_probabilities.stage_name

)

select * from final
