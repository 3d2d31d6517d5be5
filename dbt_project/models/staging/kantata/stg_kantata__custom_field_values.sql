with

source as (

    select * from {{ source('raw_kantata', 'custom_field_values') }}
    where {{ not_deleted() }}

),

renamed as (

    -- the value as Kantata holds it: text, a date, or for a choice field the selected
    -- choice id(s), comma-separated (named in int_custom_field_values_named)
    select
        id as custom_field_value_id,
        subject_type,
        subject_id,
        custom_field_id,
        nullif(trim(value), '') as custom_field_value,
        created_at,
        updated_at
    from source

)

select * from renamed
