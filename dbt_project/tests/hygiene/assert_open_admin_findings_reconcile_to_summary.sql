{{ config(tags=['nightly']) }}
-- tag nightly: run by the nightly full refresh and in CI, not by the hourly one
-- The admin findings summary agrees with the open findings (DOMAIN.md §11): the as-of
-- date's week in mart_admin_findings_summary counts, per rule and system, exactly the rows
-- of dq_admin_findings; and every open finding was first seen on or before it was last seen.
-- Returns the offending rules / findings.
with

findings as (

    select * from {{ ref('dq_admin_findings') }}

),

summary as (

    select * from {{ ref('mart_admin_findings_summary') }}
    where week_start = cast({{ dbt.date_trunc('week', as_of_date()) }} as date)

),

open_by_rule as (

    select rule, system, count(*) as open_findings
    from findings
    group by rule, system

),

rule_mismatch as (

    select
        coalesce(summary.rule, open_by_rule.rule) as rule,
        coalesce(summary.open_findings, 0) - coalesce(open_by_rule.open_findings, 0)
            as difference
    from summary
    full outer join open_by_rule
        on summary.rule = open_by_rule.rule
        and summary.system = open_by_rule.system
    where coalesce(summary.open_findings, 0) <> coalesce(open_by_rule.open_findings, 0)

),

bad_dates as (

    select rule, 0 as difference
    from findings
    where first_seen is null or first_seen > last_seen

)

select * from rule_mismatch
union all
select * from bad_dates
