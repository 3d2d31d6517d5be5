{#- The IANA timezone of a PS region (AMER / EMEA / APAC). -#}
{% macro region_timezone(region) -%}
    case {{ region }}
        when 'AMER' then 'America/New_York'
        when 'EMEA' then 'Europe/Dublin'
        when 'APAC' then 'Asia/Singapore'
    end
{%- endmacro %}
