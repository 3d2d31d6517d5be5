with

source as (

    select * from {{ source('raw_kantata', 'roles') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as role_id,
        trim(name) as role_name,
        updated_at
    from source

)

select * from renamed
