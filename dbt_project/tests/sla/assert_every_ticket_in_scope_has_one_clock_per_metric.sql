{{ config(tags=['nightly']) }}
-- tag nightly: run by the nightly full refresh and in CI, not by the hourly one
-- Reconciliation, computed from staging independently of the SLA models: every ticket in
-- scope (an issue of a Jira service project created before the as-of date) has, for each
-- of the two SLA metrics, exactly one row in fct_sla_clocks or dq_tickets_without_policy
-- (never both, never none), and neither holds a ticket that is not in scope.
-- Returns the offending (issue, metric) pairs.
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

projects as (

    select * from {{ ref('stg_jira__projects') }}

),

clocks as (

    select issue_key, metric, count(*) as n_rows
    from {{ ref('fct_sla_clocks') }}
    group by issue_key, metric

),

without_policy as (

    select issue_key, metric, count(*) as n_rows
    from {{ ref('dq_tickets_without_policy') }}
    group by issue_key, metric

),

expected as (

    select issues.issue_key, metrics.metric
    from issues
    inner join projects
        on issues.project_key = projects.project_key
    cross join (values ('first_response'), ('resolution')) as metrics (metric)
    where projects.is_service_project
        and issues.created_at < cast({{ as_of_date() }} as timestamp)

),

accounted as (

    select
        coalesce(expected.issue_key, clocks.issue_key, without_policy.issue_key) as issue_key,
        coalesce(expected.metric, clocks.metric, without_policy.metric) as metric,
        expected.issue_key is not null as is_in_scope,
        coalesce(clocks.n_rows, 0) as clock_rows,
        coalesce(without_policy.n_rows, 0) as without_policy_rows
    from expected
    full outer join clocks
        on expected.issue_key = clocks.issue_key
        and expected.metric = clocks.metric
    full outer join without_policy
        on coalesce(expected.issue_key, clocks.issue_key) = without_policy.issue_key
        and coalesce(expected.metric, clocks.metric) = without_policy.metric

)

select * from accounted
where not is_in_scope
    or clock_rows + without_policy_rows <> 1
