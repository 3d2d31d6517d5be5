{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}
-- Every revenue forecast a refresh made, kept by as-of date: each build replaces the rows
-- of its own as-of date (delete+insert) and keeps every other one. full_refresh=false:
-- `dbt build --full-refresh` does not drop it, so forecast accuracy keeps its history.
with

forecast as (

    select * from {{ ref('mart_revenue_forecast') }}

),

final as (

    select
        as_of_date,
        month_start,
        quarter,
        months_ahead,
        region,
        layer,
        amount,
        hours,
        scheduled_hard_amount,
        scheduled_soft_amount,
        {{ utc_now() }} as recorded_at
    from forecast

)

select * from final
