{{ config(meta={"dagster": {"ref": {"name": "fct_time_entries"}}}) }}
-- Gate relationship across the marts: every counted time entry names a consultant of
-- dim_consultant and an engagement of dim_engagement. Returns the orphan entries.
with

entries as (

    select * from {{ ref('fct_time_entries') }}
    where counts_toward_utilization

),

consultants as (

    select consultant_key from {{ ref('dim_consultant') }}

),

engagements as (

    select engagement_id from {{ ref('dim_engagement') }}

)

select entries.time_entry_id, entries.consultant_key, entries.engagement_id
from entries
left join consultants on entries.consultant_key = consultants.consultant_key
left join engagements on entries.engagement_id = engagements.engagement_id
where consultants.consultant_key is null
    or engagements.engagement_id is null
