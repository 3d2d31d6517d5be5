with

source as (

    select * from {{ source('raw_salesforce', 'product2') }}
    where {{ not_deleted('isdeleted') }}

),

renamed as (

    select
        id as product_id,
        name as product_name,
        family as product_family,
        coalesce(family = 'Professional Services', false) as is_professional_services,
        coalesce(isactive, false) as is_active,
        createddate as created_at,
        systemmodstamp as modified_at
    from source

)

select * from renamed
