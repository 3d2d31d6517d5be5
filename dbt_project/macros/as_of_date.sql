{#- "Now" for the warehouse: the psops_as_of var (a unit test's override), else PSOPS_AS_OF
    (YYYY-MM-DD; a refresh sets it for dbt, see orchestration/dbt_child.py), at 00:00 UTC,
    else today's UTC date. The last full day is as_of_date() - 1. Returns a SQL date
    expression. Read when dbt executes, never while it parses: a parse that read the date
    would be tied to it, and each new day's first refresh would re-parse every model that
    asks for "now" (an env var) or the whole project (a var), ~5 s on medium (issue 16). -#}
{% macro as_of_date() -%}
    {%- set raw = (var('psops_as_of', env_var('PSOPS_AS_OF', '')) if execute else '') | string | trim -%}
    {%- if raw == '' -%}
        current_date
    {%- elif modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', raw) -%}
        cast('{{ raw }}' as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("PSOPS_AS_OF='" ~ raw ~ "' is not a YYYY-MM-DD date") }}
    {%- endif -%}
{%- endmacro %}

{#- The last full day before the as-of date. -#}
{% macro last_full_day() -%}
    {{ dbt.dateadd('day', -1, as_of_date()) }}
{%- endmacro %}
