-- Hygiene rule ticket_priority_without_policy (DOMAIN.md §11): a ticket of a Jira service
-- (SLA) project for which no sla_policies row matches, for one metric or both, so it has
-- no SLA clock: int_sla_policies_matched's 'no matching policy' rows (the ones
-- dq_tickets_without_policy lists), one finding per ticket.
with

policies_matched as (

    select * from {{ ref('int_sla_policies_matched') }}

),

uncovered as (

    select
        issue_key,
        project_key,
        issue_type,
        priority,
        string_agg(metric, ', ' order by metric) as metrics
    from policies_matched
    where missing_reason = 'no matching policy'
    group by issue_key, project_key, issue_type, priority

),

final as (

    select
        cast(issue_key as varchar) as record_id,
        'priority ' || coalesce(priority, '(none)') || ', ' || coalesce(issue_type, '(no type)')
        || ' in ' || project_key || ': no sla_policies row covers it (' || metrics || ')'
            as detail
    from uncovered

)

select * from final
