{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['consultant_key', 'date_day'],
        on_schema_change='append_new_columns',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where date_day >= {{ utilization_window_start() }}{% endif %}",
    )
}}
-- Incremental: a refresh rebuilds only the days from utilization_window_start() (the
-- lookback window before the as-of date), after its pre-hook deleted them; older days stay.
-- The utilization population (DOMAIN.md §2): a person counts on a day when their role that
-- day is a delivery role (listed in the seed utilization_targets). On other days (no role,
-- admins, sales, ...) the row stays, with is_delivery_role false, 0 capacity, time off,
-- available and logged hours and no target: such a person adds nothing to utilization (the
-- time they logged stays in fct_time_entries).
with

capacity as (

    select * from {{ ref('int_consultant_days_expanded') }}
    {%- if is_incremental() %}
    where date_day >= {{ utilization_window_start() }}
    {%- endif %}

),

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}
    {%- if is_incremental() %}
    where date_day >= {{ utilization_window_start() }}
    {%- endif %}

),

org_history as (

    select * from {{ ref('dim_consultant_history') }}

),

role_targets as (

    select * from {{ ref('utilization_targets') }}

),

hours_by_day as (

    -- rejected timesheets count nowhere
    select
        consultant_key,
        date_day,
        sum(case when hour_category = 'billable' then hours else 0 end) as billable_hours,
        sum(case when hour_category = 'client_non_billable' then hours else 0 end)
            as client_non_billable_hours,
        sum(case when hour_category = 'internal' then hours else 0 end) as internal_hours
    from time_entries
    where not is_rejected
    group by consultant_key, date_day

),

joined as (

    -- the org the person had that day (dim_consultant_history), not today's
    select
        capacity.consultant_key,
        capacity.date_day,
        org_history.region,
        org_history.role,
        org_history.team,
        org_history.manager_key,
        role_targets.role is not null as is_delivery_role,
        capacity.is_employed,
        capacity.is_holiday,
        capacity.capacity_hours,
        capacity.time_off_hours,
        capacity.available_hours,
        coalesce(hours_by_day.billable_hours, 0) as billable_hours,
        coalesce(hours_by_day.client_non_billable_hours, 0) as client_non_billable_hours,
        coalesce(hours_by_day.internal_hours, 0) as internal_hours,
        coalesce(hours_by_day.client_non_billable_hours, 0)
        + coalesce(hours_by_day.internal_hours, 0) as non_billable_hours,
        coalesce(org_history.billability_target, role_targets.target_billable_utilization)
            as target_utilization
    from capacity
    left join org_history
        on capacity.consultant_key = org_history.consultant_key
        and capacity.date_day between org_history.valid_from and org_history.valid_to
    left join role_targets
        on org_history.role = role_targets.role
    left join hours_by_day
        on capacity.consultant_key = hours_by_day.consultant_key
        and capacity.date_day = hours_by_day.date_day

),

final as (

    -- outside the utilization population (a role not in utilization_targets) a day adds
    -- nothing: its hours and target stay out of every utilization ratio
    select
        consultant_key,
        date_day,
        region,
        role,
        team,
        manager_key,
        is_delivery_role,
        is_employed,
        is_holiday,
        {#- the hour measures every utilization rollup sums (macros/utilization) #}
        {%- for column in utilization_hour_columns() %}
        cast(case when is_delivery_role then {{ column }} else 0 end as {{ type_double() }})
            as {{ column }},
        {%- endfor %}
        cast(case when is_delivery_role then target_utilization end as {{ type_double() }})
            as target_utilization
    from joined

)

select * from final
