-- Gate invariant: no hours are negative, available never exceeds capacity, and one person
-- logs at most 24 hours in a day. Each raw time entry may be valid on its own (the GX
-- suite checks 0-24 h per entry); this catches what only the sum shows, e.g. a duplicated
-- feed. Returns the offending person-days.
with

daily as (

    select * from {{ ref('fct_utilization_daily') }}

)

select
    consultant_key,
    date_day,
    capacity_hours,
    available_hours,
    billable_hours,
    non_billable_hours
from daily
where capacity_hours < 0
    or time_off_hours < 0
    or available_hours < 0
    or billable_hours < 0
    or non_billable_hours < 0
    or available_hours > capacity_hours
    or billable_hours + non_billable_hours > 24
