{#- Kantata custom fields, one row per subject and one column per psops field: the named
    custom field values (int_custom_field_values_named) of one subject type ('User',
    'Workspace'), mapped from the tenant's field names to psops' fields by the seed
    kantata_custom_field_names (case and surrounding blanks ignored), then pivoted.
    id_column: the output name of the subject id (user_id, workspace_id).
    fields: a list of {'field': psops field, 'column': output column, 'value': optional SQL
    expression of custom_field_value taken before the max(), default custom_field_value}.
    A subject with several values of one field keeps the greatest. -#}
{% macro kantata_custom_field_pivot(subject_type, id_column, fields) -%}
    select
        subject_values.subject_id as {{ id_column }},
        {%- for f in fields %}
        max(
            case when subject_values.field_name = '{{ f.field }}'
                then {{ f.get('value', 'custom_field_value') }} end
        ) as {{ f.column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            custom_field_values.subject_id,
            field_names.field as field_name,
            custom_field_values.custom_field_value
        from (select * from {{ ref('int_custom_field_values_named') }}) as custom_field_values
        inner join (select * from {{ ref('kantata_custom_field_names') }}) as field_names
            on lower(trim(custom_field_values.custom_field_name))
            = lower(trim(field_names.custom_field_name))
            and custom_field_values.subject_type = field_names.subject_type
        where custom_field_values.subject_type = '{{ subject_type }}'
    ) as subject_values
    group by subject_values.subject_id
{%- endmacro %}
