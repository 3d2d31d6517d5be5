with

source as (

    select * from {{ source('raw_salesforce', 'opportunity') }}
    where {{ not_deleted('isdeleted') }}

),

renamed as (

    select
        id as opportunity_id,
        name as opportunity_name,
        accountid as account_id,
        ownerid as owner_user_id,
        stagename as stage_name,
        -- Salesforce's Probability is a percentage (0-100); kept as sent
        probability,
        amount,
        closedate as close_date,
        forecastcategoryname as forecast_category,
        coalesce(isclosed, false) as is_closed,
        coalesce(iswon, false) as is_won,
        type as opportunity_type,
        currencyisocode as currency,
        createddate as created_at,
        systemmodstamp as modified_at
    from source

)

select * from renamed
