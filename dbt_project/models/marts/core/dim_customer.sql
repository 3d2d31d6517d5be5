-- One row per customer: a Salesforce Account (deleted accounts excluded). Engagements
-- point to it through the opportunity they were sold on (dim_engagement.customer_key).
-- The body is int_customers_conformed.
with

customers as (

    select * from {{ ref('int_customers_conformed') }}

),

final as (

    select
        customer_key,
        sfdc_account_id,
        customer_name,
        segment,
        region,
        industry,
        owner_sfdc_user_id,
        owner_consultant_key,
        engagement_count,
        is_ps_customer,
        created_at
    from customers

)

select * from final
