with

source as (

    select * from {{ source('raw_kantata', 'workspaces') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workspace_id,
        trim(title) as workspace_title,
        status as workspace_status,
        start_date,
        due_date,
        price_in_cents,
        upper(currency) as currency,
        coalesce(budgeted, false) as is_budgeted,
        budgeted_hours,
        coalesce(stories_are_fixed_fee_by_default, false) as is_fixed_fee,
        case
            when coalesce(stories_are_fixed_fee_by_default, false) then 'Fixed Fee'
            else 'Time & Materials'
        end as billing_type,
        coalesce(archived, false) as is_archived,
        created_at,
        updated_at
    from source

)

select * from renamed
