-- The org attributes of every consultant as the warehouse sees them at the as-of date:
-- what snp_consultant_org records a new version of whenever one of them changes.
-- observed_date is the as-of date of the run (PSOPS_AS_OF, else today), so a version's
-- effective date is the as-of date of the refresh that first saw it.
with

consultants as (

    select * from {{ ref('int_consultants_conformed') }}
    where has_kantata_user

),

final as (

    select
        consultant_key,
        role,
        region,
        team,
        manager_key,
        cast(billability_target as {{ type_double() }}) as billability_target,
        cast({{ as_of_date() }} as date) as observed_date
    from consultants

)

select * from final
