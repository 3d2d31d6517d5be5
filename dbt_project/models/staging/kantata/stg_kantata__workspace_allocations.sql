with

source as (

    select * from {{ source('raw_kantata', 'workspace_allocations') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workspace_allocation_id,
        resource_id as workspace_resource_id,
        workspace_id,
        user_id,
        start_date,
        end_date,
        coalesce(minutes, 0) as allocated_minutes,
        cast(coalesce(minutes, 0) as {{ type_double() }}) / 60 as allocated_hours,
        coalesce(hard, false) as is_hard,
        updated_at
    from source

)

select * from renamed
