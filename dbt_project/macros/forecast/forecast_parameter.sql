{#- A value of the forecast_parameters seed, as a double (a scalar subquery). -#}
{% macro forecast_parameter(name) -%}
    (
        select cast(value as {{ type_double() }})
        from {{ ref('forecast_parameters') }}
        where parameter = '{{ name }}'
    )
{%- endmacro %}
