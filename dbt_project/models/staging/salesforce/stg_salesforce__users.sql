with

source as (

    -- User has no IsDeleted: users are deactivated (isactive = false), never deleted
    select * from {{ source('raw_salesforce', 'user') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as user_id,
        name as user_name,
        nullif(lower(trim(email)), '') as email,
        coalesce(isactive, false) as is_active,
        createddate as created_at,
        systemmodstamp as modified_at
    from source

)

select * from renamed
