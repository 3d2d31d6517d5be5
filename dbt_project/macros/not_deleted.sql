{#- The filter every staging model puts on a raw table: drop rows the source deleted. -#}
{% macro not_deleted(deleted_flag=none) -%}
    not coalesce(_deleted, false)
    {%- if deleted_flag %} and not coalesce({{ deleted_flag }}, false){% endif %}
{%- endmacro %}
