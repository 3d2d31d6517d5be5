-- One row per pre-sales request with a scoping clock: the SLA engine's resolution clock
-- (int_sla_policies_matched: the most specific sla_policies row for the request's project,
-- issue type and priority, and the calendar it resolves to), started at creation and
-- stopped at scoped_at instead of the last entry into Done (DOMAIN.md §10). A request
-- with no policy or no calendar has no clock (dq_tickets_without_policy lists it).
with

requests as (

    select * from {{ ref('int_presales_requests') }}

),

policies_matched as (

    select * from {{ ref('int_sla_policies_matched') }}

),

final as (

    select
        requests.issue_id,
        policies_matched.metric,
        policies_matched.policy_id,
        policies_matched.goal_business_hours,
        policies_matched.pause_statuses,
        policies_matched.calendar,
        requests.requested_at as started_at,
        requests.scoped_at as stopped_at,
        requests.scoped_at is null as is_running
    from requests
    inner join policies_matched
        on requests.issue_id = policies_matched.issue_id
        and policies_matched.metric = 'resolution'
        and policies_matched.missing_reason is null

)

select * from final
