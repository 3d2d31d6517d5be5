-- One row per day, from the start of the year of the earliest date the data needs
-- (first time entry, first holiday, the utilization start var, or the as-of date) to the end
-- of the year `calendar_years_ahead` years after the as-of date.
with

time_entries as (

    select performed_date from {{ ref('stg_kantata__time_entries') }}

),

holidays as (

    select start_date from {{ ref('stg_kantata__holidays') }}

),

earliest as (

    select
        least(
            coalesce((select min(performed_date) from time_entries), {{ as_of_date() }}),
            coalesce((select min(start_date) from holidays), {{ as_of_date() }}),
            {%- if var('utilization_start_date') %}
            cast('{{ var("utilization_start_date") }}' as date),
            {%- endif %}
            {{ as_of_date() }}
        ) as earliest_day

),

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'earliest_day') }} as date) as first_day,
        cast({{ dbt.dateadd(
            'day', -1,
            dbt.dateadd('year', var('calendar_years_ahead') + 1,
                        dbt.date_trunc('year', as_of_date()))
        ) }} as date) as last_day
    from earliest

),

numbers as (

    {{ dbt.generate_series(20000) }}

),

spined as (

    select
        cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} as date)
            as date_day
    from numbers
    cross join bounds

)

select spined.date_day
from spined
cross join bounds
where spined.date_day <= bounds.last_day
