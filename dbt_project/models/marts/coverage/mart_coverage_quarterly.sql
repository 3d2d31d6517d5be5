-- Coverage (DOMAIN.md §9) per quarter x region x segment x delivery role, plus rollups
-- (grain column; a rolled-up dimension reads 'All'). Sums first, ratios last: delivery_fte
-- and required_fte are computed per region x segment x role and summed; the ratios are
-- taken of the sums. Active accounts and account executives are distinct counts.
with

quarters as (

    -- the quarters with activity, up to the as-of quarter
    select * from {{ ref('int_coverage_quarters') }}
    where quarter_start in (
        select quarter_start from {{ ref('int_coverage_engagement_quarters') }}
        union
        select quarter_start from {{ ref('int_coverage_delivery_hours_daily') }}
    )

),

engagement_quarters as (

    select * from {{ ref('int_coverage_engagement_quarters') }}

),

delivery_hours as (

    select * from {{ ref('int_coverage_delivery_hours_daily') }}

),

person_days as (

    -- the role each person held that day; the utilization population only (§2)
    select consultant_key, date_day, role
    from {{ ref('fct_utilization_daily') }}
    where is_delivery_role

),

coverage_model as (

    select * from {{ ref('coverage_model') }}

),

opportunities as (

    select * from {{ ref('int_coverage_ps_opportunities') }}

),

active_accounts as (

    select distinct
        engagement_quarters.quarter_start,
        engagement_quarters.region,
        engagement_quarters.segment,
        engagement_quarters.customer_key
    from engagement_quarters
    inner join quarters
        on engagement_quarters.quarter_start = quarters.quarter_start
    where engagement_quarters.customer_key is not null

),

role_hours as (

    select
        delivery_hours.quarter_start,
        delivery_hours.region,
        delivery_hours.segment,
        coalesce(person_days.role, 'Unassigned') as role,
        sum(delivery_hours.delivery_hours) as delivery_hours
    from delivery_hours
    inner join person_days
        on delivery_hours.consultant_key = person_days.consultant_key
        and delivery_hours.date_day = person_days.date_day
    inner join quarters
        on delivery_hours.quarter_start = quarters.quarter_start
    group by
        delivery_hours.quarter_start,
        delivery_hours.region,
        delivery_hours.segment,
        coalesce(person_days.role, 'Unassigned')

),

account_counts as (

    select quarter_start, region, segment, count(*) as active_accounts
    from active_accounts
    group by quarter_start, region, segment

),

base_keys as (

    -- every role of the segment's coverage model where the segment has active accounts,
    -- and every role that logged delivery hours
    select account_counts.quarter_start, account_counts.region, account_counts.segment,
        coverage_model.role
    from account_counts
    inner join coverage_model
        on account_counts.segment = coverage_model.segment
    union
    select quarter_start, region, segment, role
    from role_hours

),

base as (

    select
        base_keys.quarter_start,
        base_keys.region,
        base_keys.segment,
        base_keys.role,
        coalesce(role_hours.delivery_hours, 0) as delivery_hours,
        case base_keys.region
            when 'AMER' then quarters.fte_hours_amer
            when 'EMEA' then quarters.fte_hours_emea
            when 'APAC' then quarters.fte_hours_apac
            else quarters.fte_hours_weekdays
        end as fte_hours,
        coverage_model.accounts_per_fte,
        coalesce(account_counts.active_accounts, 0) / coverage_model.accounts_per_fte
            as required_fte
    from base_keys
    inner join quarters
        on base_keys.quarter_start = quarters.quarter_start
    left join role_hours
        on base_keys.quarter_start = role_hours.quarter_start
        and base_keys.region = role_hours.region
        and base_keys.segment = role_hours.segment
        and base_keys.role = role_hours.role
    left join account_counts
        on base_keys.quarter_start = account_counts.quarter_start
        and base_keys.region = account_counts.region
        and base_keys.segment = account_counts.segment
    left join coverage_model
        on base_keys.segment = coverage_model.segment
        and base_keys.role = coverage_model.role

),

base_fte as (

    select
        base.*,
        {{ safe_divide('delivery_hours', 'fte_hours') }} as delivery_fte
    from base

),

role_rollup as (

    select
        quarter_start,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(segment) = 1 then 'All' else segment end as segment,
        case when grouping(role) = 1 then 'All' else role end as role,
        sum(delivery_hours) as delivery_hours,
        max(fte_hours) as fte_hours,
        sum(delivery_fte) as delivery_fte,
        max(accounts_per_fte) as accounts_per_fte,
        sum(required_fte) as required_fte
    from base_fte
    group by grouping sets (
        (quarter_start, region, segment, role),
        (quarter_start, region, segment),
        (quarter_start, segment, role),
        (quarter_start, segment),
        (quarter_start, region),
        (quarter_start, role),
        (quarter_start)
    )

),

account_rollup as (

    select
        quarter_start,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(segment) = 1 then 'All' else segment end as segment,
        count(distinct customer_key) as active_accounts
    from active_accounts
    group by grouping sets (
        (quarter_start, region, segment),
        (quarter_start, segment),
        (quarter_start, region),
        (quarter_start)
    )

),

sales_rows as (

    select
        quarters.quarter_start,
        opportunities.region,
        opportunities.segment,
        case
            when quarters.is_as_of_quarter and opportunities.is_open and opportunities.ps_amount > 0
                then opportunities.owner_user_id
        end as open_pipeline_owner,
        case
            when quarters.is_as_of_quarter and opportunities.is_open
                then opportunities.weighted_ps_amount else 0
        end as weighted_ps_pipeline,
        case
            when opportunities.is_closed_won
                and opportunities.close_quarter_start = quarters.quarter_start
                then opportunities.ps_amount else 0
        end as closed_won_ps_bookings
    from opportunities
    cross join quarters
    where (quarters.is_as_of_quarter and opportunities.is_open)
        or (opportunities.is_closed_won
            and opportunities.close_quarter_start = quarters.quarter_start)

),

sales_rollup as (

    select
        quarter_start,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(segment) = 1 then 'All' else segment end as segment,
        count(distinct open_pipeline_owner) as account_executives,
        {{ sum_double('weighted_ps_pipeline') }} as weighted_ps_pipeline,
        {{ sum_double('closed_won_ps_bookings') }} as closed_won_ps_bookings
    from sales_rows
    group by grouping sets (
        (quarter_start, region, segment),
        (quarter_start, segment),
        (quarter_start, region),
        (quarter_start)
    )

),

keys as (

    select quarter_start, region, segment, role from role_rollup
    union
    select quarter_start, region, segment, 'All' from account_rollup
    union
    select quarter_start, region, segment, 'All' from sales_rollup

),

joined as (

    select
        keys.quarter_start,
        quarters.quarter,
        quarters.is_as_of_quarter,
        keys.region,
        keys.segment,
        keys.role,
        coalesce(account_rollup.active_accounts, 0) as active_accounts,
        coalesce(role_rollup.delivery_hours, 0) as delivery_hours,
        case
            when keys.region = 'All' then null
            when role_rollup.fte_hours is not null then role_rollup.fte_hours
            when keys.region = 'AMER' then quarters.fte_hours_amer
            when keys.region = 'EMEA' then quarters.fte_hours_emea
            when keys.region = 'APAC' then quarters.fte_hours_apac
            else quarters.fte_hours_weekdays
        end as fte_hours,
        coalesce(role_rollup.delivery_fte, 0) as delivery_fte,
        -- the seed's value where one segment and one role are meant
        case
            when keys.segment <> 'All' and keys.role <> 'All' then role_rollup.accounts_per_fte
        end as accounts_per_fte,
        role_rollup.required_fte,
        -- Salesforce keeps no pipeline history: the open pipeline (and who owns it) is
        -- today's, shown on the as-of quarter only
        case
            when quarters.is_as_of_quarter then coalesce(sales_rollup.account_executives, 0)
        end as account_executives,
        case
            when quarters.is_as_of_quarter then coalesce(sales_rollup.weighted_ps_pipeline, 0)
        end as weighted_ps_pipeline,
        coalesce(sales_rollup.closed_won_ps_bookings, 0) as closed_won_ps_bookings
    from keys
    inner join quarters
        on keys.quarter_start = quarters.quarter_start
    left join role_rollup
        on keys.quarter_start = role_rollup.quarter_start
        and keys.region = role_rollup.region
        and keys.segment = role_rollup.segment
        and keys.role = role_rollup.role
    left join account_rollup
        on keys.quarter_start = account_rollup.quarter_start
        and keys.region = account_rollup.region
        and keys.segment = account_rollup.segment
    left join sales_rollup
        on keys.quarter_start = sales_rollup.quarter_start
        and keys.region = sales_rollup.region
        and keys.segment = sales_rollup.segment

),

final as (

    select
        quarter,
        quarter_start,
        case
            when region <> 'All' and segment <> 'All' and role <> 'All' then 'region_segment_role'
            when region <> 'All' and segment <> 'All' then 'region_segment'
            when segment <> 'All' and role <> 'All' then 'segment_role'
            when segment <> 'All' then 'segment'
            when region <> 'All' then 'region'
            when role <> 'All' then 'role'
            else 'all'
        end as grain,
        region,
        segment,
        role,
        cast(active_accounts as integer) as active_accounts,
        cast(delivery_hours as {{ type_double() }}) as delivery_hours,
        cast(fte_hours as {{ type_double() }}) as fte_hours,
        cast(delivery_fte as {{ type_double() }}) as delivery_fte,
        cast(accounts_per_fte as {{ type_double() }}) as accounts_per_fte,
        cast(required_fte as {{ type_double() }}) as required_fte,
        cast(required_fte - delivery_fte as {{ type_double() }}) as fte_gap,
        cast({{ safe_divide('delivery_fte', 'required_fte') }} as {{ type_double() }})
            as coverage_ratio,
        cast(account_executives as integer) as account_executives,
        cast({{ safe_divide('account_executives', 'delivery_fte') }} as {{ type_double() }})
            as ae_per_delivery_fte,
        cast(weighted_ps_pipeline as {{ type_double() }}) as weighted_ps_pipeline,
        cast(closed_won_ps_bookings as {{ type_double() }}) as closed_won_ps_bookings,
        cast({{ safe_divide('weighted_ps_pipeline', 'delivery_fte') }} as {{ type_double() }})
            as weighted_pipeline_per_delivery_fte,
        cast({{ safe_divide('closed_won_ps_bookings', 'delivery_fte') }} as {{ type_double() }})
            as bookings_per_delivery_fte
    from joined

)

select * from final
