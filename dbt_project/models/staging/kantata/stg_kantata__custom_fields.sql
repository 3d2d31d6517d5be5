with

source as (

    select * from {{ source('raw_kantata', 'custom_fields') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as custom_field_id,
        trim(name) as custom_field_name,
        subject_type,
        value_type,
        updated_at
    from source

)

select * from renamed
