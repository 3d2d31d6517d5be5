with

source as (

    select * from {{ source('raw_kantata', 'workspace_resources') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workspace_resource_id,
        workspace_id,
        user_id,
        role_id,
        updated_at
    from source

)

select * from renamed
