with

source as (

    select * from {{ source('raw_kantata', 'holiday_calendar_associations') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as holiday_calendar_association_id,
        holiday_id,
        holiday_calendar_id,
        created_at,
        updated_at
    from source

)

select * from renamed
