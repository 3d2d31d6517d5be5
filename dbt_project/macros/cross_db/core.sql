{#- Cross-database helpers of the core area (staging, core, utilization). -#}

{#- A text value as a timestamp, NULL (not an error) when it is not one: DuckDB's
    try_cast. PostgreSQL has no try_cast: a value shaped like an ISO date or timestamp
    (YYYY-MM-DD, optionally with a time) is cast, anything else is NULL. -#}
{% macro safe_cast_timestamp(text_value) -%}
    {{ return(adapter.dispatch('safe_cast_timestamp')(text_value)) }}
{%- endmacro %}

{% macro default__safe_cast_timestamp(text_value) -%}
    {{ dbt.safe_cast(text_value, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro postgres__safe_cast_timestamp(text_value) -%}
    case
        when trim({{ text_value }})
            ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$'
            then cast(trim({{ text_value }}) as {{ dbt.type_timestamp() }})
    end
{%- endmacro %}
