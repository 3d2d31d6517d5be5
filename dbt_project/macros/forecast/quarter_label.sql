{#- The quarter label of a date, e.g. '2026-Q3' (fiscal = calendar). -#}
{% macro quarter_label(day) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ day ~ ") as varchar)",
        "'-Q'",
        "cast(extract(quarter from " ~ day ~ ") as varchar)",
    ]) }}
{%- endmacro %}
