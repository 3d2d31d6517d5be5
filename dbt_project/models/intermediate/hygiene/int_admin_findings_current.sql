-- Every administration-hygiene finding the sources show at the as-of date (DOMAIN.md §11),
-- one row per finding: the rules of macros/hygiene/admin_finding_rules.sql stacked, each
-- from its int_findings_<rule> model. finding_id = md5 of rule|system|object|record_id, so
-- the same broken record keeps its id from refresh to refresh (fct_admin_findings_history).
with

findings as (

    {%- for rule in admin_finding_rules() %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        '{{ rule.rule }}' as rule,
        '{{ rule.system }}' as system,
        '{{ rule.object }}' as object,
        record_id,
        detail
    from {{ ref('int_findings_' ~ rule.rule) }}
    {%- endfor %}

),

final as (

    select
        cast(
            {{ dbt.hash("rule || '|' || system || '|' || object || '|' || record_id") }}
            as varchar
        ) as finding_id,
        rule,
        system,
        object,
        record_id,
        detail,
        cast({{ as_of_date() }} as date) as as_of_date
    from findings

)

select * from final
