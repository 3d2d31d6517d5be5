with

source as (

    select * from {{ source('raw_jira', 'priorities') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as priority_id,
        name as priority_name,
        description as priority_description,
        status_color
    from source

)

select * from renamed
