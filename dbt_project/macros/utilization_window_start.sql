{#- The first day an incremental run of fct_utilization_daily rebuilds: the
    `utilization_lookback_days` days before the as-of date (late time entries, timesheet
    rejections and time off edited within that window are picked up), or the day after the
    last day already loaded when that is earlier (a refresh skipped for a while). When the
    loaded table lacks a column of the model's contract (an upgrade added one), every day is
    rebuilt (1900-01-01), so no old row keeps a NULL there. Returned as a date literal so
    the model and its pre-hook (which deletes the window first) agree. NULL on a full build.
-#}
{% macro utilization_window_start() -%}
    {%- if execute and is_incremental() -%}
        {%- set loaded = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set missing = model.columns.keys() | map('lower') | reject('in', loaded) | list -%}
        {%- if missing -%}
            cast('1900-01-01' as date)
        {%- else -%}
            {%- set lookback = var('utilization_lookback_days') | int -%}
            {%- set query -%}
                select cast(least(
                    {{ dbt.dateadd('day', -lookback, as_of_date()) }},
                    coalesce({{ dbt.dateadd('day', 1, 'max(date_day)') }}, {{ as_of_date() }})
                ) as date)
                from {{ this }}
            {%- endset -%}
            cast('{{ run_query(query).columns[0].values()[0] }}' as date)
        {%- endif -%}
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}
