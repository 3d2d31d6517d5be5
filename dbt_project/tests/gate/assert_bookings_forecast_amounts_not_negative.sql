-- Gate invariant (DOMAIN §4): PS amounts and their weighted values are >= 0, and the
-- weighted amount never exceeds the amount (probability is 0-100 %).
with

bookings as (

    select * from {{ ref('mart_bookings_forecast') }}

)

select *
from bookings
where ps_amount < 0 or weighted_ps_amount < 0 or weighted_ps_amount > ps_amount + 0.01
