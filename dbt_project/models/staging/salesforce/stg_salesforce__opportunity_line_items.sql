with

source as (

    select * from {{ source('raw_salesforce', 'opportunitylineitem') }}
    where {{ not_deleted('isdeleted') }}

),

renamed as (

    select
        id as opportunity_line_item_id,
        opportunityid as opportunity_id,
        product2id as product_id,
        quantity,
        unitprice as unit_price,
        totalprice as total_price,
        createddate as created_at,
        systemmodstamp as modified_at
    from source

)

select * from renamed
