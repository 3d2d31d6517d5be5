with

opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}

),

grouped as (

    select
        close_month,
        region,
        segment,
        forecast_category,
        is_closed,
        is_won,
        count(*) as opportunity_count,
        sum(ps_amount) as ps_amount,
        sum(weighted_ps_amount) as weighted_ps_amount
    from opportunities
    group by close_month, region, segment, forecast_category, is_closed, is_won

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        close_month,
        {{ quarter_label('close_month') }} as quarter,
        region,
        segment,
        forecast_category,
        is_closed,
        is_won,
        cast(opportunity_count as integer) as opportunity_count,
        cast(ps_amount as {{ type_double() }}) as ps_amount,
        cast(weighted_ps_amount as {{ type_double() }}) as weighted_ps_amount
    from grouped

)

select * from final
