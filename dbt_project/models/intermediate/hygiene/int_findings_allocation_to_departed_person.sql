-- Hygiene rule allocation_to_departed_person (DOMAIN.md §11): a workspace allocation that
-- runs past the last day of a person who is no longer employed (termination date before
-- the as-of date, allocation end date after it), one finding per allocation: it inflates
-- the schedule and the capacity forecast.
with

allocations as (

    select * from {{ ref('stg_kantata__workspace_allocations') }}

),

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

final as (

    select
        cast(allocations.workspace_allocation_id as varchar) as record_id,
        coalesce(users.full_name, 'user ' || users.user_id) || ' left '
        || cast(users.termination_date as varchar) || '; allocated '
        || cast(allocations.start_date as varchar) || '..'
        || cast(allocations.end_date as varchar) || ' ('
        || {{ hygiene_round_text('allocations.allocated_hours') }} || ' h, '
        || case when allocations.is_hard then 'hard' else 'soft' end
        || ') on workspace ' || allocations.workspace_id as detail
    from allocations
    inner join users
        on allocations.user_id = users.user_id
    where users.termination_date < {{ as_of_date() }}
        and allocations.end_date > users.termination_date

)

select * from final
