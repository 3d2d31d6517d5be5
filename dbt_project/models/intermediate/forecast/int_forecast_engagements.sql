-- One row per client engagement (non-internal Kantata workspace) with what the revenue
-- forecast needs: the customer's region (Salesforce account of the opportunity it was sold
-- on; UNASSIGNED without one) and the budget in currency units (price_in_cents / 100,
-- NULL when the workspace is not budgeted).
with

engagements as (

    select * from {{ ref('int_engagements_conformed') }}

),

customers as (

    select * from {{ ref('int_customers_conformed') }}

),

final as (

    select
        engagements.engagement_id,
        coalesce(customers.region, 'UNASSIGNED') as region,
        engagements.status,
        coalesce(engagements.status = 'Active', false) as is_active,
        engagements.start_date,
        engagements.due_date,
        engagements.is_fixed_fee,
        engagements.budgeted_hours,
        case
            when engagements.is_budgeted and engagements.price_in_cents > 0
                then cast(engagements.price_in_cents as {{ type_double() }}) / 100
        end as budget_amount
    from engagements
    left join customers
        on engagements.sfdc_account_id = customers.sfdc_account_id
    where not engagements.is_internal

)

select * from final
