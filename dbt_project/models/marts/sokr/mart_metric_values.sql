-- The metric catalog (DOMAIN.md §5): every metric by month and by quarter (the quarter is
-- rolled up from its months: sums first, ratio last) and scope (org = 'all', region, role,
-- team). A rate metric's value is numerator / denominator; a cumulative metric's value is
-- its numerator (a sum). The current month and quarter are to date.
with

utilization as (

    select * from {{ ref('mart_utilization_monthly') }}

),

sla as (

    select * from {{ ref('mart_sla_attainment_monthly') }}

),

ps_opportunities as (

    select * from {{ ref('int_ps_opportunities_weighted') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

revenue as (

    select * from {{ ref('int_revenue_actual_monthly') }}

),

accuracy as (

    select * from {{ ref('mart_forecast_accuracy') }}

),

engagements as (

    select * from {{ ref('int_forecast_engagements') }}

),

engagement_links as (

    select * from {{ ref('dim_engagement') }}

),

time_entries as (

    select * from {{ ref('fct_time_entries') }}

),

coverage as (

    select * from {{ ref('mart_coverage_quarterly') }}

),

partner_delivery as (

    select * from {{ ref('mart_partner_delivery_quarterly') }}

),

presales_requests as (

    select * from {{ ref('fct_presales_requests') }}

),

timesheet_weeks as (

    select * from {{ ref('fct_timesheet_compliance') }}

),

admin_findings as (

    select * from {{ ref('mart_admin_findings_summary') }}

),

presales_scoped as (

    -- the month a request's scoping clock counts in, as mart_presales_monthly: its
    -- scoped_at, or (unscoped, already breached) the as-of month
    select
        case
            when scoped_at is not null then {{ month_start('scoped_at') }}
            else {{ month_start(as_of_date()) }}
        end as month_start,
        region,
        scoped_at is not null as is_scoped,
        business_hours_to_scope,
        sla_met
    from presales_requests
    where scoped_at is not null or is_breached

),

findings_by_week as (

    select week_start, sum(open_findings) as open_findings
    from admin_findings
    group by week_start

),

utilization_scoped as (

    select
        month_start,
        grain as scope_type,
        case grain
            when 'org' then 'all'
            when 'region' then region
            when 'role' then role
            when 'team' then team
        end as scope_value,
        billable_hours,
        client_non_billable_hours,
        available_hours
    from utilization
    where grain in ('org', 'region', 'role', 'team')

),

opportunity_facts as (

    -- every opportunity with its region, PS amount and whether it counts for attach rate
    select
        opportunities.opportunity_id,
        {{ month_start('opportunities.close_date') }} as month_start,
        coalesce(accounts.region, 'UNASSIGNED') as region,
        opportunities.is_closed,
        opportunities.is_won,
        ps_opportunities.opportunity_id is not null as has_ps_line,
        ps_opportunities.ps_amount,
        ps_opportunities.weighted_ps_amount,
        coalesce(opportunities.amount, 0) >= coalesce(
            case lower(accounts.segment)
                when 'enterprise' then {{ forecast_parameter('attach_threshold_enterprise') }}
                when 'digital native' then {{ forecast_parameter('attach_threshold_digital_native') }}
                when 'mid-market' then {{ forecast_parameter('attach_threshold_mid_market') }}
            end, 0
        ) as is_over_attach_threshold
    from opportunities
    left join accounts
        on opportunities.account_id = accounts.account_id
    left join ps_opportunities
        on opportunities.opportunity_id = ps_opportunities.opportunity_id

),

first_billable as (

    select
        engagement_id,
        min(date_day) as first_billable_date
    from time_entries
    where is_billable and counts_toward_utilization
    group by engagement_id

),

staffing as (

    select
        {{ month_start('first_billable.first_billable_date') }} as month_start,
        engagements.region,
        {{ dbt.datediff('opportunities.close_date', 'first_billable.first_billable_date', 'day') }}
            as days_to_staff
    from engagement_links
    inner join engagements
        on engagement_links.engagement_id = engagements.engagement_id
    inner join opportunities
        on engagement_links.sfdc_opportunity_id = opportunities.opportunity_id
    inner join first_billable
        on engagement_links.engagement_id = first_billable.engagement_id

),

engagement_hours as (

    select
        engagement_id,
        sum(hours) as actual_hours
    from time_entries
    where counts_toward_utilization
    group by engagement_id

),

budget_outcomes as (

    select
        {{ month_start('engagements.due_date') }} as month_start,
        engagements.region,
        coalesce(engagement_hours.actual_hours, 0) > engagements.budgeted_hours as is_overrun
    from engagements
    left join engagement_hours
        on engagements.engagement_id = engagement_hours.engagement_id
    where engagements.budgeted_hours > 0
        and engagements.due_date < {{ as_of_date() }}

),

by_region as (

    -- metrics measured per region: (metric, kind, month, region, numerator, denominator)
    select 'bookings_weighted_pipeline' as metric, 'cumulative' as kind, month_start, region,
        sum(weighted_ps_amount) as numerator, cast(null as {{ type_double() }}) as denominator
    from opportunity_facts
    where has_ps_line and not is_closed
    group by month_start, region
    union all
    select 'bookings_closed_won', 'cumulative', month_start, region, sum(ps_amount), null
    from opportunity_facts
    where has_ps_line and is_won
    group by month_start, region
    union all
    select 'ps_attach_rate', 'rate', month_start, region,
        sum(case when has_ps_line then 1 else 0 end), count(*)
    from opportunity_facts
    where is_won and is_over_attach_threshold
    group by month_start, region
    union all
    select 'revenue_actual', 'cumulative', month_start, region, sum(actual_amount), null
    from revenue
    group by month_start, region
    union all
    select 'time_to_staff_days', 'rate', month_start, region, sum(days_to_staff), count(*)
    from staffing
    group by month_start, region
    union all
    select 'engagement_budget_overrun_rate', 'rate', month_start, region,
        sum(case when is_overrun then 1 else 0 end), count(*)
    from budget_outcomes
    group by month_start, region
    union all
    -- DOMAIN §10: met / (met + breached) of the scoping clocks that stopped in the month
    select 'presales_scoping_sla_attainment', 'rate', month_start, region,
        sum(case when sla_met then 1 else 0 end),
        sum(case when sla_met is not null then 1 else 0 end)
    from presales_scoped
    group by month_start, region
    union all
    -- DOMAIN §11: on_time / due person-weeks, by the month of the week's Monday
    select 'timesheet_compliance_rate', 'rate', {{ month_start('week_start') }},
        coalesce(region, 'UNASSIGNED'),
        sum(case when status = 'on_time' then 1 else 0 end),
        sum(case when status in ('on_time', 'late', 'missing') then 1 else 0 end)
    from timesheet_weeks
    group by {{ month_start('week_start') }}, coalesce(region, 'UNASSIGNED')

),

scoped as (

    select 'billable_utilization' as metric, 'rate' as kind, month_start, scope_type,
        scope_value, billable_hours as numerator, available_hours as denominator
    from utilization_scoped
    union all
    select 'productive_utilization', 'rate', month_start, scope_type, scope_value,
        billable_hours + client_non_billable_hours, available_hours
    from utilization_scoped
    union all
    select metric, kind, month_start, 'region', region, numerator, denominator
    from by_region
    union all
    select metric, kind, month_start, 'org', 'all', sum(numerator), sum(denominator)
    from by_region
    group by metric, kind, month_start
    union all
    select 'timesheet_compliance_rate', 'rate', {{ month_start('week_start') }}, 'team',
        coalesce(team, 'UNASSIGNED'),
        sum(case when status = 'on_time' then 1 else 0 end),
        sum(case when status in ('on_time', 'late', 'missing') then 1 else 0 end)
    from timesheet_weeks
    group by {{ month_start('week_start') }}, coalesce(team, 'UNASSIGNED')
    union all
    select {{ dbt.concat(["'sla_attainment_'", "metric"]) }}, 'rate', month_start, 'org', 'all',
        sum(met_count), sum(met_count + breached_count)
    from sla
    group by metric, month_start
    union all
    select {{ dbt.concat(["'sla_attainment_'", "metric", "'_'", "lower(priority)"]) }}, 'rate',
        month_start, 'org', 'all', sum(met_count), sum(met_count + breached_count)
    from sla
    group by metric, priority, month_start
    union all
    -- forecast MAPE: the mean APE of the months (org: of the org total; region: its own)
    select 'forecast_mape_1m', 'rate', month_start,
        case when region = 'All' then 'org' else 'region' end,
        case when region = 'All' then 'all' else region end,
        ape, 1
    from accuracy
    where horizon_months = 1 and ape is not null

),

quarterly as (

    -- metrics that exist only per quarter (DOMAIN §9): coverage_ratio = delivery FTE /
    -- required FTE (org, region, role); partner_led_share = the share of active engagements
    -- delivered Partner-led or Co-delivery
    select 'coverage_ratio' as metric, 'rate' as kind, quarter_start,
        case grain when 'all' then 'org' else grain end as scope_type,
        case grain when 'all' then 'all' when 'region' then region else role end
            as scope_value,
        delivery_fte as numerator, required_fte as denominator
    from coverage
    where grain in ('all', 'region', 'role')
    union all
    select 'partner_led_share', 'rate', quarter_start, 'org', 'all',
        sum(case when delivery_model in ('Partner-led', 'Co-delivery')
            then active_engagements else 0 end),
        sum(case when delivery_model = 'All' then active_engagements else 0 end)
    from partner_delivery
    where delivery_partner = 'All'
    group by quarter_start

),

levels as (

    -- metrics that are not sums of their months, per month and quarter directly:
    -- presales_median_hours_to_scope (the median of the period's scoped requests) and
    -- open_admin_findings (the open findings at the period's last refresh week); the value
    -- is the numerator (denominator 1)
    select 'presales_median_hours_to_scope' as metric, 'rate' as kind,
        'month' as period_type, month_start as period_start,
        case when grouping(region) = 1 then 'org' else 'region' end as scope_type,
        case when grouping(region) = 1 then 'all' else region end as scope_value,
        {{ agg_quantile_cont('business_hours_to_scope', 0.5) }} as numerator, 1 as denominator
    from presales_scoped
    where is_scoped
    group by grouping sets ((month_start), (month_start, region))
    union all
    select 'presales_median_hours_to_scope', 'rate', 'quarter',
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date),
        case when grouping(region) = 1 then 'org' else 'region' end,
        case when grouping(region) = 1 then 'all' else region end,
        {{ agg_quantile_cont('business_hours_to_scope', 0.5) }}, 1
    from presales_scoped
    where is_scoped
    group by grouping sets (
        (cast({{ dbt.date_trunc('quarter', 'month_start') }} as date)),
        (cast({{ dbt.date_trunc('quarter', 'month_start') }} as date), region)
    )
    union all
    select 'open_admin_findings', 'rate', 'month', {{ month_start('week_start') }}, 'org', 'all',
        {{ agg_arg_max('open_findings', 'week_start') }}, 1
    from findings_by_week
    group by {{ month_start('week_start') }}
    union all
    select 'open_admin_findings', 'rate', 'quarter',
        cast({{ dbt.date_trunc('quarter', 'week_start') }} as date), 'org', 'all',
        {{ agg_arg_max('open_findings', 'week_start') }}, 1
    from findings_by_week
    group by cast({{ dbt.date_trunc('quarter', 'week_start') }} as date)

),

periods as (

    select metric, kind, period_type, period_start, scope_type, scope_value, numerator,
        denominator
    from levels
    union all
    select
        metric, kind, 'month' as period_type, month_start as period_start,
        scope_type, scope_value, numerator, denominator
    from scoped
    union all
    select metric, kind, 'quarter', quarter_start, scope_type, scope_value, numerator,
        denominator
    from quarterly
    union all
    select
        metric, kind, 'quarter', cast({{ dbt.date_trunc('quarter', 'month_start') }} as date),
        scope_type, scope_value, sum(numerator), sum(denominator)
    from scoped
    group by metric, kind, cast({{ dbt.date_trunc('quarter', 'month_start') }} as date),
        scope_type, scope_value

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        metric,
        kind,
        period_type,
        case period_type
            when 'quarter' then {{ quarter_label('period_start') }}
            else {{ dbt.concat([
                "cast(extract(year from period_start) as varchar)", "'-'",
                "lpad(cast(extract(month from period_start) as varchar), 2, '0')"
            ]) }}
        end as period,
        period_start,
        {{ quarter_label('period_start') }} as quarter,
        scope_type,
        scope_value,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator,
        cast(
            case
                when kind = 'cumulative' then numerator
                else {{ safe_divide('numerator', 'denominator') }}
            end as {{ type_double() }}
        ) as value
    from periods
    where period_start <= {{ as_of_date() }}

)

select * from final
