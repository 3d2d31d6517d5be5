-- Gate invariant (DOMAIN §4): every revenue layer (actual, scheduled, unscheduled backlog,
-- weighted pipeline) is >= 0 in every month and region. Returns the offending rows.
with

revenue as (

    select * from {{ ref('mart_revenue_forecast') }}

)

select *
from revenue
where amount < 0 or hours < 0
