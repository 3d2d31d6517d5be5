-- Partner share (DOMAIN.md §9) per quarter: the active client engagements and their budget
-- by delivery model (Direct, Partner-led, Co-delivery; empty = Direct) and partner, with
-- rollups per delivery model, per partner and for the quarter ('All'), and each row's share
-- of the quarter's active engagements and engagement budget.
with

engagement_quarters as (

    select * from {{ ref('int_coverage_engagement_quarters') }}

),

labelled as (

    select
        quarter_start,
        quarter,
        engagement_id,
        delivery_model,
        case
            when delivery_model = 'Direct' then '(none)'
            else coalesce(delivery_partner, '(unknown)')
        end as delivery_partner,
        engagement_budget
    from engagement_quarters

),

grouped as (

    select
        quarter_start,
        quarter,
        case when grouping(delivery_model) = 1 then 'All' else delivery_model end
            as delivery_model,
        case when grouping(delivery_partner) = 1 then 'All' else delivery_partner end
            as delivery_partner,
        count(distinct engagement_id) as active_engagements,
        {{ sum_double('engagement_budget') }} as engagement_budget
    from labelled
    group by grouping sets (
        (quarter_start, quarter, delivery_model, delivery_partner),
        (quarter_start, quarter, delivery_model),
        (quarter_start, quarter, delivery_partner),
        (quarter_start, quarter)
    )

),

totals as (

    select quarter_start, active_engagements, engagement_budget
    from grouped
    where delivery_model = 'All'
        and delivery_partner = 'All'

),

final as (

    select
        grouped.quarter,
        grouped.quarter_start,
        grouped.delivery_model,
        grouped.delivery_partner,
        cast(grouped.active_engagements as integer) as active_engagements,
        cast(grouped.engagement_budget as {{ type_double() }}) as engagement_budget,
        cast({{ safe_divide('grouped.active_engagements', 'totals.active_engagements') }}
            as {{ type_double() }}) as share_of_active_engagements,
        cast({{ safe_divide('grouped.engagement_budget', 'totals.engagement_budget') }}
            as {{ type_double() }}) as share_of_engagement_budget
    from grouped
    inner join totals
        on grouped.quarter_start = totals.quarter_start

)

select * from final
