{#- The text of a number rounded to `digits` decimals, as DuckDB writes
    cast(round(<double>, digits) as varchar): rounded as DuckDB rounds a double
    (round_double, macros/cross_db/sla.sql), shortest round-trip digits, and a whole
    number keeps one decimal ('12.0', where PostgreSQL writes '12'). Used in the hygiene
    findings' detail texts. -#}
{% macro hygiene_round_text(expr, digits=2) -%}
    {{ return(adapter.dispatch('hygiene_round_text')(expr, digits)) }}
{%- endmacro %}

{% macro duckdb__hygiene_round_text(expr, digits=2) -%}
    cast(round({{ expr }}, {{ digits }}) as varchar)
{%- endmacro %}

{% macro default__hygiene_round_text(expr, digits=2) -%}
    regexp_replace(
        cast({{ round_double(expr, digits) }} as {{ dbt.type_string() }}),
        '^(-?[0-9]+)$', '\1.0'
    )
{%- endmacro %}

{#- sum() of a double as DuckDB sums one: DuckDB's sum of doubles is compensated (exact
    for sums of decimal amounts such as cents or quarter hours), PostgreSQL's adds
    left to right in row order, and a ratio taken of the sum can show the last bit (e.g.
    1270599.84 vs 1270599.8399999999). On PostgreSQL the values are summed as numeric
    and the total cast back to a double. -#}
{% macro sum_double(expr) -%}
    {{ return(adapter.dispatch('sum_double')(expr)) }}
{%- endmacro %}

{% macro duckdb__sum_double(expr) -%}
    sum({{ expr }})
{%- endmacro %}

{% macro default__sum_double(expr) -%}
    cast(sum(cast({{ expr }} as numeric)) as {{ type_double() }})
{%- endmacro %}
