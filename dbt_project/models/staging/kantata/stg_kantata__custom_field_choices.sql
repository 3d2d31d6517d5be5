with

source as (

    select * from {{ source('raw_kantata', 'custom_field_choices') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as custom_field_choice_id,
        custom_field_id,
        trim(label) as choice_label,
        created_at,
        updated_at
    from source

)

select * from renamed
