-- Gate invariant (DOMAIN §3): an SLA clock never runs backwards. Returns the offending clocks.
with

clocks as (

    select * from {{ ref('fct_sla_clocks') }}

)

select *
from clocks
where elapsed_business_hours < 0
