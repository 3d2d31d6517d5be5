{#- numerator / denominator, NULL (not 0, not an error) when the denominator is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast({{ numerator }} as {{ type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}
