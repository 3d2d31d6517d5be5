with

source as (

    select * from {{ source('raw_kantata', 'holiday_calendars') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as holiday_calendar_id,
        trim(name) as holiday_calendar_name,
        updated_at
    from source

)

select * from renamed
