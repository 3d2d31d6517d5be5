-- Pre-sales scoping per calendar month x region x segment (grain 'region_segment') plus
-- rollups per region, per segment and overall ('region', 'segment', 'all'; a rolled-up
-- column reads 'All'), DOMAIN.md §10. Each measure counts in its own month:
-- opened by requested_at; scoped, hours to scope and SLA met by scoped_at; an unscoped
-- request breached by the as-of date in the as-of month (as SLA attainment, §3); win
-- rates and PS amount won by the opportunity's close month.
with

requests as (

    select * from {{ ref('fct_presales_requests') }}

),

opportunities as (

    select * from {{ ref('int_presales_opportunities') }}

),

events as (

    -- one row per request opened
    select
        {{ month_start('requested_at') }} as month,
        region,
        segment,
        1 as opened,
        0 as scoped,
        cast(null as {{ type_double() }}) as hours_to_scope,
        0 as sla_met,
        0 as sla_breached,
        0 as scoped_closed,
        0 as scoped_won,
        0 as unscoped_closed,
        0 as unscoped_won,
        cast(0 as {{ type_double() }}) as ps_amount_won
    from requests

    union all

    -- one row per request scoped (or, unscoped, breached by the as-of date)
    select
        case
            when scoped_at is not null then {{ month_start('scoped_at') }}
            else {{ month_start(as_of_date()) }}
        end as month,
        region,
        segment,
        0 as opened,
        case when scoped_at is not null then 1 else 0 end as scoped,
        case when scoped_at is not null then business_hours_to_scope end as hours_to_scope,
        case when sla_met then 1 else 0 end as sla_met,
        case when sla_met = false then 1 else 0 end as sla_breached,
        0 as scoped_closed,
        0 as scoped_won,
        0 as unscoped_closed,
        0 as unscoped_won,
        cast(0 as {{ type_double() }}) as ps_amount_won
    from requests
    where scoped_at is not null or is_breached

    union all

    -- one row per closed opportunity scoped by a request, or PS-eligible without a request
    select
        {{ month_start('close_date') }} as month,
        region,
        segment,
        0 as opened,
        0 as scoped,
        cast(null as {{ type_double() }}) as hours_to_scope,
        0 as sla_met,
        0 as sla_breached,
        case when scoped_requests > 0 then 1 else 0 end as scoped_closed,
        case when scoped_requests > 0 and opportunity_outcome = 'won' then 1 else 0 end
            as scoped_won,
        case when requests = 0 and is_ps_eligible then 1 else 0 end as unscoped_closed,
        case when requests = 0 and is_ps_eligible and opportunity_outcome = 'won' then 1 else 0 end
            as unscoped_won,
        case
            when scoped_requests > 0 and opportunity_outcome = 'won' then ps_amount else 0
        end as ps_amount_won
    from opportunities
    where opportunity_outcome in ('won', 'lost')
        and close_date is not null
        and (scoped_requests > 0 or (requests = 0 and is_ps_eligible))

),

grouped as (

    select
        month,
        case
            when grouping(region) = 0 and grouping(segment) = 0 then 'region_segment'
            when grouping(region) = 0 then 'region'
            when grouping(segment) = 0 then 'segment'
            else 'all'
        end as grain,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(segment) = 1 then 'All' else segment end as segment,
        sum(opened) as requests_opened,
        sum(scoped) as requests_scoped,
        -- median and interpolated 90th percentile (DuckDB's interpolation on both engines)
        {{ agg_quantile_cont('hours_to_scope', 0.5) }} as median_hours_to_scope,
        {{ agg_quantile_cont('hours_to_scope', 0.9) }} as p90_hours_to_scope,
        sum(sla_met) as sla_met,
        sum(sla_breached) as sla_breached,
        sum(scoped_closed) as scoped_closed,
        sum(scoped_won) as scoped_won,
        sum(unscoped_closed) as unscoped_closed,
        sum(unscoped_won) as unscoped_won,
        sum(ps_amount_won) as ps_amount_won_after_scoping
    from events
    group by grouping sets (
        (month, region, segment),
        (month, region),
        (month, segment),
        (month)
    )

),

final as (

    select
        cast(month as date) as month,
        grain,
        region,
        segment,
        cast(requests_opened as integer) as requests_opened,
        cast(requests_scoped as integer) as requests_scoped,
        cast({{ round_double('median_hours_to_scope', 4) }} as {{ type_double() }})
            as median_hours_to_scope,
        cast({{ round_double('p90_hours_to_scope', 4) }} as {{ type_double() }})
            as p90_hours_to_scope,
        {{ safe_divide('sla_met', 'sla_met + sla_breached') }} as scoping_sla_attainment,
        cast(scoped_closed as integer) as scoped_opportunities_closed,
        {{ safe_divide('scoped_won', 'scoped_closed') }} as scoped_win_rate,
        cast(unscoped_closed as integer) as unscoped_opportunities_closed,
        {{ safe_divide('unscoped_won', 'unscoped_closed') }} as unscoped_win_rate,
        cast(ps_amount_won_after_scoping as {{ type_double() }}) as ps_amount_won_after_scoping,
        {{ as_of_date() }} as as_of_date
    from grouped

)

select * from final
