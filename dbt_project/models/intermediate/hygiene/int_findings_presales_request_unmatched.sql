-- Hygiene rule presales_request_unmatched (DOMAIN.md §11): a pre-sales request
-- (int_presales_requests) whose Salesforce Opportunity ID is empty or matches no
-- opportunity, one finding per Jira issue: its turnaround counts toward no deal.
with

requests as (

    select * from {{ ref('int_presales_requests') }}

),

final as (

    select
        cast(issue_key as varchar) as record_id,
        case
            when salesforce_opportunity_id is null
                then 'pre-sales request without a Salesforce Opportunity ID'
            else 'Salesforce Opportunity ID ' || salesforce_opportunity_id
                || ' matches no opportunity'
        end as detail
    from requests
    where matched_opportunity_id is null

)

select * from final
