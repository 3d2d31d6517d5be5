with

source as (

    select * from {{ source('raw_kantata', 'workweek_memberships') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workweek_membership_id,
        workweek_id,
        user_id,
        start_date,
        end_date,
        updated_at
    from source

)

select * from renamed
