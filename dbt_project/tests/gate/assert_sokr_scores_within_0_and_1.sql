-- Gate invariant (DOMAIN §5): key-result and objective scores lie within [0, 1].
with

scorecard as (

    select * from {{ ref('mart_sokr_scorecard') }}

)

select *
from scorecard
where score < 0 or score > 1 or objective_score < 0 or objective_score > 1
