-- Gate invariant (DOMAIN §4): supply, demand and forecast utilization are >= 0.
with

capacity as (

    select * from {{ ref('mart_capacity_forecast') }}

)

select *
from capacity
where supply_hours < 0 or demand_hours < 0 or forecast_utilization < 0
