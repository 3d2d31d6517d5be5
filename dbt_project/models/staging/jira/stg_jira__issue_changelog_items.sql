with

source as (

    select * from {{ source('raw_jira', 'issue_changelog') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as changelog_item_id,
        history_id,
        issue_id,
        author_account_id,
        created as changed_at,
        field as field_name,
        from_id,
        from_string,
        to_id,
        to_string,
        lower(field) = 'status' as is_status_change
    from source

)

select * from renamed
