with

source as (

    select * from {{ source('raw_kantata', 'workspaces') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workspace_id,
        trim(title) as workspace_title,
        -- Kantata's status object {color, key, message}: the message is the status people
        -- read (Active, Completed, On Hold, Cancelled), the key its account-wide code
        trim(status_message) as workspace_status,
        status_key as workspace_status_key,
        status_color as workspace_status_color,
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
