-- One row per customer: a Salesforce Account (deleted accounts excluded). Engagements
-- point to it through the opportunity they were sold on (dim_engagement.customer_key).
-- The body of dim_customer; intermediate models read this one.
with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

workspaces as (

    select * from {{ ref('int_workspaces_enriched') }}

),

identities as (

    select * from {{ ref('int_identities_resolved') }}
    where system = 'salesforce'

),

engagements_per_account as (

    select
        sfdc_account_id,
        count(*) as engagement_count
    from workspaces
    where sfdc_account_id is not null
    group by sfdc_account_id

),

final as (

    select
        accounts.account_id as customer_key,
        accounts.account_id as sfdc_account_id,
        accounts.account_name as customer_name,
        accounts.segment,
        accounts.region,
        accounts.industry as industry,
        accounts.owner_user_id as owner_sfdc_user_id,
        identities.consultant_key as owner_consultant_key,
        cast(coalesce(engagements_per_account.engagement_count, 0) as integer)
            as engagement_count,
        coalesce(engagements_per_account.engagement_count, 0) > 0 as is_ps_customer,
        accounts.created_at
    from accounts
    left join engagements_per_account
        on accounts.account_id = engagements_per_account.sfdc_account_id
    left join identities
        on accounts.owner_user_id = identities.source_id

)

select * from final
