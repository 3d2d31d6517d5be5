-- One row per engagement (Kantata workspace); the body is int_engagements_conformed.
with

engagements as (

    select * from {{ ref('int_engagements_conformed') }}

),

final as (

    select
        engagement_id,
        engagement_name,
        status,
        status_key,
        start_date,
        due_date,
        billing_type,
        is_fixed_fee,
        price_in_cents,
        currency,
        is_budgeted,
        budgeted_hours,
        sfdc_opportunity_id,
        sfdc_account_id,
        customer_key,
        jira_project_key,
        engagement_type,
        is_internal,
        delivery_model,
        delivery_partner,
        is_archived,
        created_at
    from engagements

)

select * from final
