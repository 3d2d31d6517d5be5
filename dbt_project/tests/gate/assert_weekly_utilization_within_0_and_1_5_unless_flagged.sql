-- Gate invariant (DOMAIN §2): billable utilization is never negative, and above 1.5 only
-- when the row says so (is_over_150_percent). Returns the offending person-weeks.
with

weekly as (

    select * from {{ ref('mart_utilization_weekly') }}

)

select consultant_key, week_start, billable_utilization, is_over_150_percent
from weekly
where billable_utilization < 0
    or (billable_utilization > 1.5 and not coalesce(is_over_150_percent, false))
