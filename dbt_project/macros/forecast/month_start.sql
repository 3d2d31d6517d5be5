{#- The first day of the month of a date, as a date. -#}
{% macro month_start(day) -%}
    cast({{ dbt.date_trunc('month', day) }} as date)
{%- endmacro %}

{#- The first day of the month `n` months after the month of the as-of date. -#}
{% macro as_of_month_plus(n) -%}
    cast({{ dbt.dateadd('month', n, dbt.date_trunc('month', as_of_date())) }} as date)
{%- endmacro %}
