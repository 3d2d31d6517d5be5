-- Hygiene rule non_delivery_billable_time (DOMAIN.md §11): a person whose role is not a
-- delivery role (not in utilization_targets, or no role) with billable time on client
-- engagements (not rejected, performed before the as-of date), one finding per Kantata
-- user who logged it. The role is today's (int_consultants_conformed): giving the person
-- a delivery role, or moving the entries off billable, clears the finding on the next
-- refresh. Their hours count nowhere in utilization (DOMAIN.md §2).
with

time_entries as (

    select * from {{ ref('int_time_entries_classified') }}

),

consultants as (

    select * from {{ ref('int_consultants_conformed') }}

),

billable as (

    select
        time_entries.kantata_user_id,
        consultants.full_name,
        consultants.role,
        count(*) as entries,
        sum(time_entries.hours) as hours,
        min(time_entries.date_day) as first_day,
        max(time_entries.date_day) as last_day
    from time_entries
    inner join consultants
        on time_entries.consultant_key = consultants.consultant_key
    where time_entries.hour_category = 'billable'
        and not time_entries.is_rejected
        and time_entries.date_day < {{ as_of_date() }}
        and not consultants.is_delivery_role
    group by time_entries.kantata_user_id, consultants.full_name, consultants.role

),

final as (

    select
        cast(kantata_user_id as varchar) as record_id,
        coalesce(full_name, 'user ' || kantata_user_id) || ' ('
        || coalesce(role, 'no role') || ', not a delivery role): ' || cast(entries as varchar)
        || case when entries = 1 then ' billable entry, ' else ' billable entries, ' end
        || {{ hygiene_round_text('hours') }} || ' h, '
        || cast(first_day as varchar) || '..' || cast(last_day as varchar) as detail
    from billable

)

select * from final
