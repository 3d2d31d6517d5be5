with

source as (

    select * from {{ source('raw_kantata', 'time_off_entries') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as time_off_entry_id,
        user_id,
        requested_date,
        coalesce(hours, 0) as time_off_hours,
        updated_at
    from source

)

select * from renamed
