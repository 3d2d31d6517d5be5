with

source as (

    select * from {{ source('raw_kantata', 'users') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as user_id,
        trim(full_name) as full_name,
        nullif(lower(trim(email_address)), '') as email,
        headline,
        created_at,
        updated_at
    from source

)

select * from renamed
