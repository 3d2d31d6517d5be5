-- One row per time entry as the utilization and revenue arithmetic counts it: hours as a
-- double and counts_toward_utilization (rejected time counts nowhere). The body of
-- fct_time_entries; intermediate models read this one.
with

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

final as (

    select
        time_entry_id,
        consultant_key,
        kantata_user_id,
        engagement_id,
        date_day,
        cast(hours as {{ type_double() }}) as hours,
        is_billable,
        is_client_engagement,
        submission_status,
        is_rejected,
        hour_category,
        not is_rejected as counts_toward_utilization,
        rate_in_cents
    from time_entries

)

select * from final
