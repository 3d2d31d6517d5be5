{#- Cross-database helpers of the forecast / SOKR area (DuckDB and PostgreSQL). -#}

{#- The `value` of the group's row with the greatest `ordering` (an aggregate; rows with a
    NULL ordering are skipped): DuckDB arg_max(), PostgreSQL the first of an array_agg. -#}
{% macro agg_arg_max(value, ordering) -%}
    {{ return(adapter.dispatch('agg_arg_max')(value, ordering)) }}
{%- endmacro %}

{% macro duckdb__agg_arg_max(value, ordering) -%}
    arg_max({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro default__agg_arg_max(value, ordering) -%}
    (array_agg({{ value }} order by {{ ordering }} desc)
        filter (where {{ ordering }} is not null))[1]
{%- endmacro %}

{#- The wall clock now, as a timestamp (without time zone) in UTC, whatever the session's
    time zone: DuckDB's profile runs in UTC; PostgreSQL converts now() explicitly. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now')()) }}
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}

{% macro default__utc_now() -%}
    cast({{ dbt.current_timestamp() }} at time zone 'UTC' as timestamp)
{%- endmacro %}
