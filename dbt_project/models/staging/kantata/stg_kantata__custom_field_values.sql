with

source as (

    select * from {{ source('raw_kantata', 'custom_field_values') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as custom_field_value_id,
        subject_type,
        subject_id,
        custom_field_id,
        trim(custom_field_name) as custom_field_name,
        nullif(trim(value), '') as custom_field_value,
        updated_at
    from source

)

select * from renamed
