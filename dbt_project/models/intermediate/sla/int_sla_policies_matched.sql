-- One row per ticket in scope and SLA metric (first_response, resolution): the most
-- specific matching sla_policies row and the business calendar it resolves to, or NULL
-- policy / calendar columns when none applies (those rows feed dq_tickets_without_policy).
-- In scope: issues of Jira service projects created before the as-of date.
-- Specificity: exact project (4) > exact issue type (2) > exact priority (1) over `*`.
-- Calendar: the policy's calendar, or for `region` the region of the ticket's own
-- opportunity (a pre-sales request's "Salesforce Opportunity ID" -> its account's region,
-- DOMAIN.md §10), else of the project's engagement (Kantata workspace with that "Jira
-- Project Key" -> its Salesforce account's region), else the reporter's home region
-- (int_consultants_conformed by Jira account id).
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

projects as (

    select * from {{ ref('stg_jira__projects') }}

),

policies as (

    select * from {{ ref('sla_policies') }}

),

calendars as (

    select * from {{ ref('business_calendars') }}

),

engagements as (

    select * from {{ ref('int_engagements_conformed') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

consultants as (

    select * from {{ ref('int_consultants_conformed') }}

),

metrics as (

    select 'first_response' as metric
    union all
    select 'resolution' as metric

),

tickets as (

    select
        issues.issue_id,
        issues.issue_key,
        issues.project_key,
        issues.issue_type,
        issues.priority,
        issues.reporter_account_id,
        issues.salesforce_opportunity_id,
        issues.created_at
    from issues
    inner join projects
        on issues.project_key = projects.project_key
    where projects.is_service_project
        and issues.created_at < cast({{ as_of_date() }} as timestamp)

),

project_regions as (

    select
        project_key,
        region
    from (
        select
            engagements.jira_project_key as project_key,
            accounts.region,
            row_number() over (
                partition by engagements.jira_project_key
                order by engagements.created_at desc, engagements.engagement_id
            ) as region_rank
        from engagements
        inner join accounts
            on engagements.sfdc_account_id = accounts.account_id
        where engagements.jira_project_key is not null
            and accounts.region is not null
    ) as ranked
    where region_rank = 1

),

opportunity_regions as (

    -- the 18-character id, or a 15-character id as its (case-sensitive) prefix
    select
        issue_id,
        region
    from (
        select
            tickets.issue_id,
            accounts.region,
            row_number() over (
                partition by tickets.issue_id order by opportunities.opportunity_id
            ) as match_rank
        from tickets
        inner join opportunities
            on left(opportunities.opportunity_id, 15)
            = left(tickets.salesforce_opportunity_id, 15)
            and (
                opportunities.opportunity_id = tickets.salesforce_opportunity_id
                or length(tickets.salesforce_opportunity_id) = 15
            )
        inner join accounts
            on opportunities.account_id = accounts.account_id
        where accounts.region is not null
    ) as ranked
    where match_rank = 1

),

reporter_regions as (

    select
        jira_account_id,
        region
    from (
        select
            jira_account_id,
            region,
            row_number() over (
                partition by jira_account_id order by consultant_key
            ) as consultant_rank
        from consultants
        where jira_account_id is not null
            and region is not null
    ) as ranked
    where consultant_rank = 1

),

candidates as (

    select
        tickets.issue_id,
        metrics.metric,
        policies.project_key as policy_project_key,
        policies.issue_type as policy_issue_type,
        policies.priority as policy_priority,
        policies.goal_business_hours,
        policies.calendar as policy_calendar,
        policies.pause_statuses,
        row_number() over (
            partition by tickets.issue_id, metrics.metric
            order by
                case when policies.project_key = '*' then 0 else 4 end
                + case when policies.issue_type = '*' then 0 else 2 end
                + case when policies.priority = '*' then 0 else 1 end desc
        ) as specificity_rank
    from tickets
    cross join metrics
    inner join policies
        on metrics.metric = policies.metric
        and policies.project_key in (tickets.project_key, '*')
        and policies.issue_type in (tickets.issue_type, '*')
        and policies.priority in (tickets.priority, '*')

),

winners as (

    select * from candidates
    where specificity_rank = 1

),

matched as (

    select
        tickets.issue_id,
        tickets.issue_key,
        tickets.project_key,
        tickets.issue_type,
        tickets.priority,
        tickets.created_at,
        metrics.metric,
        winners.policy_project_key || ' / ' || winners.policy_issue_type || ' / '
        || winners.policy_priority || ' / ' || metrics.metric as policy_id,
        winners.goal_business_hours,
        winners.pause_statuses,
        winners.policy_calendar,
        case
            when winners.policy_calendar = 'region'
                then coalesce(
                    opportunity_regions.region, project_regions.region, reporter_regions.region
                )
            else winners.policy_calendar
        end as calendar_name
    from tickets
    cross join metrics
    left join winners
        on tickets.issue_id = winners.issue_id
        and metrics.metric = winners.metric
    left join opportunity_regions
        on tickets.issue_id = opportunity_regions.issue_id
    left join project_regions
        on tickets.project_key = project_regions.project_key
    left join reporter_regions
        on tickets.reporter_account_id = reporter_regions.jira_account_id

),

final as (

    select
        matched.issue_id,
        matched.issue_key,
        matched.project_key,
        matched.issue_type,
        matched.priority,
        matched.created_at,
        matched.metric,
        matched.policy_id,
        matched.goal_business_hours,
        case
            when matched.metric = 'resolution' then coalesce(matched.pause_statuses, '')
            else ''
        end as pause_statuses,
        matched.policy_calendar,
        calendars.calendar,
        calendars.timezone,
        case
            when matched.policy_id is null then 'no matching policy'
            when calendars.calendar is null then 'calendar not resolved'
        end as missing_reason
    from matched
    left join calendars
        on matched.calendar_name = calendars.calendar

)

select * from final
