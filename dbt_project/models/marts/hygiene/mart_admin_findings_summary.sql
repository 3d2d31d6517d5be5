-- Administration-hygiene findings by week, rule and owning system (DOMAIN.md §11), from
-- every refresh in fct_admin_findings_history up to the as-of date: one row per ISO week
-- with a refresh x every rule of macros/hygiene/admin_finding_rules.sql (0 when it had no
-- findings). open_findings: the findings of the week's latest refresh; new_findings: the
-- distinct findings whose first_seen falls in the week (new, or back after a fix).
with

history as (

    select * from {{ ref('fct_admin_findings_history') }}
    where as_of_date <= cast({{ as_of_date() }} as date)

),

rules as (

    {%- for rule in admin_finding_rules() %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select '{{ rule.rule }}' as rule, '{{ rule.system }}' as system
    {%- endfor %}

),

refreshes as (

    select
        as_of_date,
        cast({{ dbt.date_trunc('week', 'as_of_date') }} as date) as week_start
    from (select distinct as_of_date from history) as refresh_dates

),

week_last_refresh as (

    select week_start, max(as_of_date) as as_of_date
    from refreshes
    group by week_start

),

open_counts as (

    select
        week_last_refresh.week_start,
        history.rule,
        history.system,
        count(*) as open_findings
    from week_last_refresh
    inner join history
        on week_last_refresh.as_of_date = history.as_of_date
    group by week_last_refresh.week_start, history.rule, history.system

),

new_counts as (

    select
        cast({{ dbt.date_trunc('week', 'first_seen') }} as date) as week_start,
        rule,
        system,
        count(distinct finding_id) as new_findings
    from history
    where first_seen = as_of_date
    group by cast({{ dbt.date_trunc('week', 'first_seen') }} as date), rule, system

),

final as (

    select
        week_last_refresh.week_start,
        rules.rule,
        rules.system,
        cast(coalesce(open_counts.open_findings, 0) as integer) as open_findings,
        cast(coalesce(new_counts.new_findings, 0) as integer) as new_findings
    from week_last_refresh
    cross join rules
    left join open_counts
        on week_last_refresh.week_start = open_counts.week_start
        and rules.rule = open_counts.rule
        and rules.system = open_counts.system
    left join new_counts
        on week_last_refresh.week_start = new_counts.week_start
        and rules.rule = new_counts.rule
        and rules.system = new_counts.system

)

select * from final
