{#- The utilization rollup, written once for every grain (DOMAIN.md §2): sums first, the
    ratios are taken of the sums. mart_utilization_weekly (person x week) and
    mart_utilization_monthly (month x org grouping sets) both read fct_utilization_daily and
    build their grain with these three pieces:
      1. utilization_sums()      the summed measures, inside the grain's GROUP BY select;
      2. utilization_ratios(rel) the ratios of those sums, selected from that CTE;
      3. utilization_measures()  the typed output columns, capacity_hours .. is_over_150_percent. -#}

{#- The hour measures of fct_utilization_daily that every rollup sums, in output order. -#}
{% macro utilization_hour_columns() -%}
    {{ return([
        'capacity_hours', 'time_off_hours', 'available_hours', 'billable_hours',
        'client_non_billable_hours', 'internal_hours', 'non_billable_hours',
    ]) }}
{%- endmacro %}

{#- The summed measures (a select list, no trailing comma): each hour measure, the
    target weighted by available hours, and the plain mean target (used when no hour is
    available). -#}
{% macro utilization_sums() -%}
    {%- for column in utilization_hour_columns() %}
        sum({{ column }}) as {{ column }},
    {%- endfor %}
        sum(target_utilization * available_hours) as target_weighted_hours,
        avg(target_utilization) as mean_daily_target
{%- endmacro %}

{#- The ratios of the sums in `relation` (a CTE selecting utilization_sums()), plus all of
    its columns. -#}
{% macro utilization_ratios(relation) -%}
    select
        {{ relation }}.*,
        {{ safe_divide('billable_hours', 'available_hours') }} as billable_utilization,
        {{ safe_divide('billable_hours + client_non_billable_hours', 'available_hours') }}
            as productive_utilization,
        coalesce(
            {{ safe_divide('target_weighted_hours', 'available_hours') }}, mean_daily_target
        ) as target_utilization
    from {{ relation }}
{%- endmacro %}

{#- The typed output measures (a select list, no trailing comma), read from
    utilization_ratios(). -#}
{% macro utilization_measures() -%}
    {%- for column in utilization_hour_columns() %}
        cast({{ column }} as {{ type_double() }}) as {{ column }},
    {%- endfor %}
        cast(billable_utilization as {{ type_double() }}) as billable_utilization,
        cast(productive_utilization as {{ type_double() }}) as productive_utilization,
        cast(target_utilization as {{ type_double() }}) as target_utilization,
        cast(billable_utilization - target_utilization as {{ type_double() }})
            as utilization_gap,
        coalesce(billable_utilization > 1.5, false) as is_over_150_percent
{%- endmacro %}
