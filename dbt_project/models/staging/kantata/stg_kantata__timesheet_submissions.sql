with

source as (

    select * from {{ source('raw_kantata', 'timesheet_submissions') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as timesheet_submission_id,
        user_id,
        start_date,
        end_date,
        lower(trim(status)) as submission_status,
        lower(trim(status)) = 'rejected' as is_rejected,
        updated_at
    from source

)

select * from renamed
