-- One row per Kantata time entry; the body is int_time_entries_counted.
with

time_entries as (

    select * from {{ ref('int_time_entries_counted') }}

),

final as (

    select
        time_entry_id,
        consultant_key,
        kantata_user_id,
        engagement_id,
        date_day,
        hours,
        is_billable,
        is_client_engagement,
        submission_status,
        is_rejected,
        hour_category,
        counts_toward_utilization,
        rate_in_cents
    from time_entries

)

select * from final
