-- Delivery hours (DOMAIN.md §9) per person, day and the customer's region and segment:
-- billable + client non-billable hours (counted: rejected timesheets count nowhere) on
-- client engagements sold to a known customer, up to the last full day. The role a person
-- held that day comes from fct_utilization_daily in mart_coverage_quarterly.
with

time_entries as (

    select * from {{ ref('int_time_entries_counted') }}
    where counts_toward_utilization
        and hour_category in ('billable', 'client_non_billable')
        and date_day < {{ as_of_date() }}

),

engagements as (

    select * from {{ ref('int_engagements_conformed') }}
    where not is_internal
        and customer_key is not null

),

customers as (

    select * from {{ ref('int_customers_conformed') }}

),

final as (

    select
        time_entries.consultant_key,
        time_entries.date_day,
        cast({{ dbt.date_trunc('quarter', 'time_entries.date_day') }} as date) as quarter_start,
        coalesce(customers.region, 'Unassigned') as region,
        coalesce(customers.segment, 'Unassigned') as segment,
        cast(sum(time_entries.hours) as {{ type_double() }}) as delivery_hours
    from time_entries
    inner join engagements
        on time_entries.engagement_id = engagements.engagement_id
    inner join customers
        on engagements.customer_key = customers.customer_key
    where time_entries.consultant_key is not null
    group by
        time_entries.consultant_key,
        time_entries.date_day,
        coalesce(customers.region, 'Unassigned'),
        coalesce(customers.segment, 'Unassigned')

)

select * from final
