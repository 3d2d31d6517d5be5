with

source as (

    select * from {{ source('raw_kantata', 'account_memberships') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as account_membership_id,
        user_id,
        default_role_id as role_id,
        -- Kantata stores the target as a percentage (0-100)
        billability_target / 100.0 as billability_target,
        bill_rate_in_cents,
        cost_rate_in_cents,
        manager_id as manager_user_id,
        disabled_at,
        cast(disabled_at as date) as disabled_date,
        disabled_at is not null as is_disabled,
        updated_at
    from source

)

select * from renamed
