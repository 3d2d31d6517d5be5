-- Gate invariant (DOMAIN §2): a group's billable utilization is never negative, and above
-- 1.5 only when flagged (is_over_150_percent). Returns the offending group-months.
with

monthly as (

    select * from {{ ref('mart_utilization_monthly') }}

)

select month_start, grain, region, role, team, billable_utilization, is_over_150_percent
from monthly
where billable_utilization < 0
    or (billable_utilization > 1.5 and not coalesce(is_over_150_percent, false))
