with

source as (

    select * from {{ source('raw_kantata', 'timesheet_submissions') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as timesheet_submission_id,
        user_id,
        -- one submission per user x week x workspace: it decides the status of that
        -- workspace's entries of the week only
        workspace_id,
        start_date,
        end_date,
        lower(trim(status)) as submission_status,
        lower(trim(status)) = 'rejected' as is_rejected,
        created_at as submitted_at,
        updated_at
    from source

)

select * from renamed
