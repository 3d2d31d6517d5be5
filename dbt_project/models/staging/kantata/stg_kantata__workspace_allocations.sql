-- Kantata's WorkspaceAllocation names no user: it belongs to a workspace resource
-- (workspace_resource_id, openapi/mavenlink-workspace-allocations-api-openapi.yml), and the
-- resource names the user (openapi/mavenlink-workspace-resources-api-openapi.yml).
with

source as (

    select * from {{ source('raw_kantata', 'workspace_allocations') }}
    where {{ not_deleted() }}

),

resources as (

    select id, user_id from {{ source('raw_kantata', 'workspace_resources') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        source.id as workspace_allocation_id,
        source.resource_id as workspace_resource_id,
        source.workspace_id,
        coalesce(resources.user_id, source.user_id) as user_id,
        source.start_date,
        source.end_date,
        coalesce(source.minutes, 0) as allocated_minutes,
        cast(coalesce(source.minutes, 0) as {{ type_double() }}) / 60 as allocated_hours,
        coalesce(source.hard, false) as is_hard,
        source.updated_at
    from source
    left join resources
        on source.resource_id = resources.id

)

select * from renamed
