{#- The row count of the table a model, seed or snapshot just built, written by its
    post-hook (dbt_project.yml) to `<psops_row_counts_dir>/<unique_id>.csv` when a refresh
    passes that folder (DuckDB only). dbt holds the DuckDB file open until it exits, so
    the refresh cannot count while dbt runs: it reads these files instead and its Dagster
    events stream while dbt builds (orchestration/defs/assets/dbt.py). Views are
    not counted (a count would run their query). Empty otherwise: dbt skips an empty hook.
-#}
{% macro record_row_count() -%}
    {%- set folder = var('psops_row_counts_dir', '') -%}
    {%- if execute and folder and target.type == 'duckdb' and config.get('materialized') != 'view' -%}
        copy (select count(*) as row_count from {{ this }})
        to '{{ folder | replace("'", "''") }}/{{ model.unique_id }}.csv' (format csv, header false)
    {%- endif -%}
{%- endmacro %}
