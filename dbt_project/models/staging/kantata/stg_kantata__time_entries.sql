with

source as (

    select * from {{ source('raw_kantata', 'time_entries') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as time_entry_id,
        user_id,
        workspace_id,
        date_performed as performed_date,
        coalesce(time_in_minutes, 0) as time_in_minutes,
        cast(coalesce(time_in_minutes, 0) as {{ type_double() }}) / 60 as hours,
        coalesce(billable, false) as is_billable,
        rate_in_cents,
        notes,
        created_at,
        updated_at
    from source

)

select * from renamed
