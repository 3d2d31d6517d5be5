with

source as (

    select * from {{ source('raw_jira', 'statuses') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as status_id,
        name as status_name,
        category_key as status_category_key,
        category_key = 'new' as is_to_do,
        category_key = 'done' as is_done
    from source

)

select * from renamed
