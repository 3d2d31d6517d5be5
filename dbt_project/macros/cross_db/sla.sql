{#- Cross-database helpers of the SLA / pre-sales area (DuckDB and PostgreSQL). -#}

{#- Whether `value` is one of the items of the `delimiter`-separated text `list_text`, each
    item trimmed of spaces (compared as given: lower() both sides for a case-insensitive
    match). NULL when list_text or value is NULL. -#}
{% macro delimited_list_contains(list_text, value, delimiter=';') -%}
    {{ return(adapter.dispatch('delimited_list_contains')(list_text, value, delimiter)) }}
{%- endmacro %}

{% macro duckdb__delimited_list_contains(list_text, value, delimiter) -%}
    list_contains(
        list_transform(string_split({{ list_text }}, '{{ delimiter }}'), lambda s: trim(s)),
        {{ value }}
    )
{%- endmacro %}

{% macro default__delimited_list_contains(list_text, value, delimiter) -%}
    ({{ value }}) = any(
        string_to_array(
            trim(regexp_replace({{ list_text }}, ' *{{ delimiter }} *', '{{ delimiter }}', 'g')),
            '{{ delimiter }}'
        )
    )
{%- endmacro %}

{#- round(x, digits) of a double, as a double, the way DuckDB rounds one: half away from
    zero on the exact binary value (32.80665 is stored as 32.8066499999... and rounds
    down; 0.125 is exact and rounds up). PostgreSQL has no round(double, int), and
    round(cast(x as numeric)) sees the decimal 32.80665 (rounded up): medians of 4-decimal
    hours differed at the 4th decimal. On PostgreSQL: y = |x| * 10^digits in doubles; a
    fraction of exactly .5 is a tie only if the product's rounding error (Dekker's exact
    product, `err`) is >= 0, else it was below the tie. `digits` >= 0. -#}
{% macro round_double(value, digits) -%}
    {{ return(adapter.dispatch('round_double')(value, digits)) }}
{%- endmacro %}

{% macro duckdb__round_double(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}

{% macro default__round_double(value, digits) -%}
    {%- set m = 'cast(' ~ (10 ** digits) ~ ' as ' ~ type_double() ~ ')' -%}
    {%- set a = '(abs(cast(' ~ value ~ ' as ' ~ type_double() ~ ')))' -%}
    {%- set y = '(' ~ a ~ ' * ' ~ m ~ ')' -%}
    {%- set c = '(cast(134217729 as ' ~ type_double() ~ ') * ' ~ a ~ ')' -%}
    {%- set a_high = '(' ~ c ~ ' - (' ~ c ~ ' - ' ~ a ~ '))' -%}
    {%- set a_low = '(' ~ a ~ ' - ' ~ a_high ~ ')' -%}
    {%- set err = '((' ~ a_high ~ ' * ' ~ m ~ ' - ' ~ y ~ ') + ' ~ a_low ~ ' * ' ~ m ~ ')' -%}
    (
        sign(cast({{ value }} as {{ type_double() }}))
        * (
            floor({{ y }})
            + case
                when {{ y }} - floor({{ y }}) > 0.5 then 1
                when {{ y }} - floor({{ y }}) = 0.5 and {{ err }} >= 0 then 1
                else 0
            end
        )
        / {{ m }}
    )
{%- endmacro %}

{#- The continuous (interpolated) quantile `q` of a double `expr` over the group, an
    aggregate, with DuckDB's arithmetic so both engines give the same double: the sorted
    non-NULL values v[0..n-1], RN = (n - 1) * q, lo = v[floor(RN)], hi = v[ceil(RN)],
    d = RN - floor(RN), result fma(lo, 1 - d, hi * d) (DuckDB computes
    lo * (1 - d) + hi * d, fused). PostgreSQL's percentile_cont computes lo + (hi - lo) * d,
    which can differ in the last bit (a median of 7.2022 and 43.1089 is 25.15555 there,
    25.155549999999998 on DuckDB), and so after rounding to 4 decimals. PostgreSQL has no
    fma: lo * (1 - d) is taken exactly (Dekker's two-product) and added to hi * d
    (two-sum). NULL for no values. `q` is a literal. -#}
{% macro agg_quantile_cont(expr, q) -%}
    {{ return(adapter.dispatch('agg_quantile_cont')(expr, q)) }}
{%- endmacro %}

{% macro duckdb__agg_quantile_cont(expr, q) -%}
    quantile_cont({{ expr }}, {{ q }})
{%- endmacro %}

{% macro default__agg_quantile_cont(expr, q) -%}
    {%- set dbl = type_double() -%}
    (
        select
            case
                when n = 0 then null
                when d = 0 then lo
                -- fma(lo, w, s) = t + (r + err)
                else t + (r + err)
            end
        from (
            -- the aggregates are the outer query's (they read only its columns)
            select
                array_agg({{ expr }} order by {{ expr }})
                    filter (where {{ expr }} is not null) as sorted,
                count({{ expr }}) as n
        ) as agg
        cross join lateral (
            select cast(n - 1 as {{ dbl }}) * cast({{ q }} as {{ dbl }}) as rn
        ) as position
        cross join lateral (
            select
                sorted[cast(floor(rn) as integer) + 1] as lo,
                sorted[cast(ceil(rn) as integer) + 1] as hi,
                rn - floor(rn) as d
        ) as neighbours
        cross join lateral (
            select
                cast(1 as {{ dbl }}) - d as w,
                hi * d as s,
                lo * (cast(1 as {{ dbl }}) - d) as p
        ) as products
        cross join lateral (
            -- Veltkamp splits of lo and w (26 + 27 bits)
            select
                cast(134217729 as {{ dbl }}) * lo as lo_c,
                cast(134217729 as {{ dbl }}) * w as w_c
        ) as split_scale
        cross join lateral (
            select
                lo_c - (lo_c - lo) as lo_h,
                w_c - (w_c - w) as w_h
        ) as split_high
        cross join lateral (
            select
                lo - lo_h as lo_l,
                w - w_h as w_l,
                p + s as t
        ) as split_low
        cross join lateral (
            select
                (((lo_h * w_h - p) + lo_h * w_l) + lo_l * w_h) + lo_l * w_l as err,
                (p - (t - (t - p))) + (s - (t - p)) as r
        ) as error_terms
    )
{%- endmacro %}
