with

source as (

    select * from {{ source('raw_jira', 'users') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        account_id,
        display_name,
        -- NULL where Jira Cloud hides it; the identity_overrides seed fills those
        nullif(lower(trim(email_address)), '') as email,
        coalesce(active, false) as is_active
    from source

)

select * from renamed
