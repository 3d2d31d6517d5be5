{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}
-- Every administration-hygiene finding of every refresh, kept by as-of date (DOMAIN.md
-- §11), as fct_revenue_forecast_history keeps forecasts: each build replaces the rows of
-- its own as-of date (delete+insert) and keeps every other one; full_refresh=false, so
-- `dbt build --full-refresh` does not lose the history.
-- first_seen: the first as-of date of the finding's current run of refreshes. A finding
-- that the latest earlier refresh (the greatest as_of_date before this one) also had keeps
-- that row's first_seen; any other (new, or back after it was fixed) starts today. A
-- finding fixed at the source is simply not in the next refresh's rows.
with

current_findings as (

    select * from {{ ref('int_admin_findings_current') }}

),

{%- if is_incremental() %}

previous_refresh as (

    select *
    from {{ this }}
    where as_of_date = (
        select max(as_of_date) from {{ this }}
        where as_of_date < cast({{ as_of_date() }} as date)
    )

),

{%- endif %}

final as (

    select
        current_findings.as_of_date,
        current_findings.finding_id,
        current_findings.rule,
        current_findings.system,
        current_findings.object,
        current_findings.record_id,
        current_findings.detail,
        {%- if is_incremental() %}
        cast(coalesce(previous_refresh.first_seen, current_findings.as_of_date) as date)
            as first_seen,
        {%- else %}
        cast(current_findings.as_of_date as date) as first_seen,
        {%- endif %}
        cast({{ dbt.current_timestamp() }} as timestamp) as recorded_at
    from current_findings
    {%- if is_incremental() %}
    left join previous_refresh
        on current_findings.finding_id = previous_refresh.finding_id
    {%- endif %}

)

select * from final
