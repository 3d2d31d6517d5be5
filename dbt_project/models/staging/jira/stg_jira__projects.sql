with

source as (

    select * from {{ source('raw_jira', 'projects') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as project_id,
        "key" as project_key,
        name as project_name,
        project_type_key,
        project_type_key = 'service_desk' as is_service_project
    from source

)

select * from renamed
