with

source as (

    select * from {{ source('raw_kantata', 'holidays') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as holiday_id,
        holiday_calendar_id,
        trim(name) as holiday_name,
        start_date,
        coalesce(end_date, start_date) as end_date,
        hours as holiday_hours,
        updated_at
    from source

)

select * from renamed
