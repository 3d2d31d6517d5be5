{{ config(meta={"dagster": {"ref": {"name": "fct_presales_requests"}}}) }}
-- Reconciliation, computed from staging and the seed independently of the pre-sales
-- models: every issue of a presales_projects project created before the as-of date has
-- exactly one row in fct_presales_requests, and fct_presales_requests holds nothing else.
-- Returns the offending issues.
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

presales_projects as (

    select * from {{ ref('presales_projects') }}

),

expected as (

    select issues.issue_id
    from issues
    inner join presales_projects
        on upper(issues.project_key) = upper(presales_projects.project_key)
    where issues.created_at < cast({{ as_of_date() }} as timestamp)

),

actual as (

    select issue_id, count(*) as n_rows
    from {{ ref('fct_presales_requests') }}
    group by issue_id

)

select
    coalesce(expected.issue_id, actual.issue_id) as issue_id,
    coalesce(actual.n_rows, 0) as n_rows,
    expected.issue_id is not null as is_expected
from expected
full outer join actual
    on expected.issue_id = actual.issue_id
where expected.issue_id is null
    or coalesce(actual.n_rows, 0) <> 1
