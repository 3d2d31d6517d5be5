-- The administration-hygiene findings open at the as-of date (DOMAIN.md §11), one row per
-- finding: this refresh's rows of fct_admin_findings_history. A finding fixed at the
-- source is gone from the next refresh; first_seen is the first as-of date of its current
-- run of refreshes, last_seen this refresh's as-of date.
with

history as (

    select * from {{ ref('fct_admin_findings_history') }}

),

final as (

    select
        finding_id,
        rule,
        system,
        object,
        record_id,
        detail,
        first_seen,
        as_of_date as last_seen
    from history
    where as_of_date = cast({{ as_of_date() }} as date)

)

select * from final
