-- One row per pre-sales request (DOMAIN.md §10): an issue of a project in the seed
-- presales_projects created before the as-of date, with the opportunity its "Salesforce
-- Opportunity ID" field names, matched to Salesforce (the 18-character id, or a
-- 15-character id as its case-sensitive prefix), and scoped_at = the first entry into the
-- project's scoped_status or into a done-category status, whichever comes first, among
-- the transitions seen before the as-of date.
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

presales_projects as (

    select * from {{ ref('presales_projects') }}

),

status_intervals as (

    select * from {{ ref('int_jira_status_intervals') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

requests as (

    select
        issues.issue_id,
        issues.issue_key,
        issues.project_key,
        issues.issue_type,
        issues.priority,
        issues.salesforce_opportunity_id,
        issues.created_at as requested_at,
        presales_projects.scoped_status
    from issues
    inner join presales_projects
        on upper(issues.project_key) = upper(presales_projects.project_key)
    where issues.created_at < cast({{ as_of_date() }} as timestamp)

),

scoped as (

    select
        requests.issue_id,
        min(status_intervals.valid_from) as scoped_at
    from requests
    inner join status_intervals
        on requests.issue_id = status_intervals.issue_id
    where status_intervals.valid_from < cast({{ as_of_date() }} as timestamp)
        and (
            lower(status_intervals.status_name) = lower(requests.scoped_status)
            or status_intervals.status_category_key = 'done'
        )
    group by requests.issue_id

),

matched as (

    select
        issue_id,
        opportunity_id
    from (
        select
            requests.issue_id,
            opportunities.opportunity_id,
            row_number() over (
                partition by requests.issue_id order by opportunities.opportunity_id
            ) as match_rank
        from requests
        inner join opportunities
            on left(opportunities.opportunity_id, 15)
            = left(requests.salesforce_opportunity_id, 15)
            and (
                opportunities.opportunity_id = requests.salesforce_opportunity_id
                or length(requests.salesforce_opportunity_id) = 15
            )
    ) as ranked
    where match_rank = 1

),

final as (

    select
        requests.issue_id,
        requests.issue_key,
        requests.project_key,
        requests.issue_type,
        requests.priority,
        requests.salesforce_opportunity_id,
        matched.opportunity_id as matched_opportunity_id,
        requests.requested_at,
        requests.scoped_status,
        scoped.scoped_at
    from requests
    left join matched
        on requests.issue_id = matched.issue_id
    left join scoped
        on requests.issue_id = scoped.issue_id

)

select * from final
