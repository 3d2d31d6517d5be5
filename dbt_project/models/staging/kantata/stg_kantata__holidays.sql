with

source as (

    select * from {{ source('raw_kantata', 'holidays') }}
    where {{ not_deleted() }}

),

renamed as (

    -- a holiday spans start_date..end_date (one or several whole days off); the calendars
    -- holding it come from holiday_calendar_associations
    select
        id as holiday_id,
        trim(name) as holiday_name,
        start_date,
        coalesce(end_date, start_date) as end_date,
        coalesce(paid, true) as is_paid,
        created_at,
        updated_at
    from source

)

select * from renamed
