with

source as (

    select * from {{ source('raw_kantata', 'holiday_calendar_memberships') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as holiday_calendar_membership_id,
        holiday_calendar_id,
        user_id,
        start_date,
        end_date,
        updated_at
    from source

)

select * from renamed
