-- One row per issue and stretch of time it spent in one status (UTC), from the status
-- changelog: the first stretch starts at creation in the status the first transition left
-- (or the current status when the issue never moved); each transition opens the next.
-- The last stretch has valid_to NULL (still in that status).
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

changelog_items as (

    select * from {{ ref('stg_jira__issue_changelog_items') }}

),

statuses as (

    select * from {{ ref('stg_jira__statuses') }}

),

transitions as (

    select
        issue_id,
        changed_at,
        from_id,
        from_string,
        to_id,
        to_string,
        row_number() over (
            partition by issue_id order by changed_at, history_id, changelog_item_id
        ) as transition_number
    from changelog_items
    where is_status_change

),

initial_stretches as (

    select
        issues.issue_id,
        0 as interval_number,
        coalesce(transitions.from_id, issues.status_id) as status_id,
        coalesce(transitions.from_string, issues.status_name) as status_name,
        issues.created_at as valid_from
    from issues
    left join transitions
        on issues.issue_id = transitions.issue_id
        and transitions.transition_number = 1

),

later_stretches as (

    select
        transitions.issue_id,
        transitions.transition_number as interval_number,
        transitions.to_id as status_id,
        transitions.to_string as status_name,
        transitions.changed_at as valid_from
    from transitions
    inner join issues
        on transitions.issue_id = issues.issue_id

),

stretches as (

    select * from initial_stretches
    union all
    select * from later_stretches

),

final as (

    select
        stretches.issue_id,
        stretches.interval_number,
        stretches.status_id,
        coalesce(statuses.status_name, stretches.status_name) as status_name,
        statuses.status_category_key,
        stretches.valid_from,
        lead(stretches.valid_from) over (
            partition by stretches.issue_id order by stretches.interval_number
        ) as valid_to
    from stretches
    left join statuses
        on stretches.status_id = statuses.status_id

)

select * from final
