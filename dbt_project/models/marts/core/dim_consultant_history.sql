-- One row per consultant and org version (snp_consultant_org), as valid-from / valid-to
-- days. A version is in force from the as-of date of the refresh that first saw it; the
-- first version known of a person also covers every earlier day (the warehouse cannot know
-- an org older than its first refresh). Two versions seen on the same as-of date: the later
-- one wins.
with

snapshot as (

    select * from {{ ref('snp_consultant_org') }}

),

latest_per_observed_date as (

    select *
    from (
        select
            snapshot.*,
            row_number() over (
                partition by consultant_key, observed_date
                order by dbt_valid_from desc nulls last, dbt_updated_at desc nulls last
            ) as version_rank
        from snapshot
    ) as ranked
    where version_rank = 1

),

sequenced as (

    select
        consultant_key,
        role,
        region,
        team,
        manager_key,
        billability_target,
        observed_date,
        row_number() over (
            partition by consultant_key order by observed_date
        ) as version_number,
        lead(observed_date) over (
            partition by consultant_key order by observed_date
        ) as next_observed_date
    from latest_per_observed_date

),

final as (

    select
        consultant_key,
        cast(version_number as integer) as version_number,
        case
            when version_number = 1 then cast('1900-01-01' as date)
            else observed_date
        end as valid_from,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'next_observed_date') }} as date),
            cast('9999-12-31' as date)
        ) as valid_to,
        next_observed_date is null as is_current,
        observed_date,
        role,
        region,
        team,
        manager_key,
        cast(billability_target as {{ type_double() }}) as billability_target
    from sequenced

)

select * from final
