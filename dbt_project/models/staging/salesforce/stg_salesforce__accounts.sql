with

source as (

    select * from {{ source('raw_salesforce', 'account') }}
    where {{ not_deleted('isdeleted') }}

),

renamed as (

    select
        id as account_id,
        name as account_name,
        industry,
        segment__c as segment,
        upper(trim(region__c)) as region,
        ownerid as owner_user_id,
        createddate as created_at,
        systemmodstamp as modified_at
    from source

)

select * from renamed
