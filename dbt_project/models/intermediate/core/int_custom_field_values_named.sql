-- One row per custom field value with its field's name and value type; a choice field's
-- value (the selected choice id(s), comma-separated; a JSON-style list is read too) is
-- named by its choices' labels (several: joined with ', ' in label order). A choice id
-- with no known choice keeps the id.
with

custom_field_values as (

    select * from {{ ref('stg_kantata__custom_field_values') }}

),

custom_fields as (

    select * from {{ ref('stg_kantata__custom_fields') }}

),

choices as (

    select * from {{ ref('stg_kantata__custom_field_choices') }}

),

typed as (

    select
        custom_field_values.custom_field_value_id,
        custom_field_values.subject_type,
        custom_field_values.subject_id,
        custom_field_values.custom_field_id,
        custom_fields.custom_field_name,
        custom_fields.value_type,
        coalesce(lower(custom_fields.value_type) in ('single', 'multi', 'choice'), false)
            as is_choice,
        custom_field_values.custom_field_value,
        custom_field_values.updated_at
    from custom_field_values
    left join custom_fields
        on custom_field_values.custom_field_id = custom_fields.custom_field_id

),

choice_ids as (

    select
        typed.custom_field_value_id,
        typed.custom_field_id,
        trim(choice_id.choice_id) as custom_field_choice_id
    from typed,
        unnest(
            string_to_array(
                regexp_replace(typed.custom_field_value, '[\[\]"'' ]', '', 'g'), ','
            )
        ) as choice_id (choice_id)
    where typed.is_choice
        and typed.custom_field_value is not null

),

choice_labels as (

    select
        choice_ids.custom_field_value_id,
        string_agg(
            coalesce(choices.choice_label, choice_ids.custom_field_choice_id), ', '
            order by coalesce(choices.choice_label, choice_ids.custom_field_choice_id)
        ) as choice_labels
    from choice_ids
    left join choices
        on choice_ids.custom_field_choice_id = choices.custom_field_choice_id
        and choice_ids.custom_field_id = choices.custom_field_id
    where choice_ids.custom_field_choice_id <> ''
    group by choice_ids.custom_field_value_id

),

named as (

    select
        typed.custom_field_value_id,
        typed.subject_type,
        typed.subject_id,
        typed.custom_field_id,
        typed.custom_field_name,
        typed.value_type,
        typed.is_choice,
        typed.custom_field_value as raw_value,
        case
            when typed.is_choice then choice_labels.choice_labels
            else typed.custom_field_value
        end as custom_field_value,
        typed.updated_at
    from typed
    left join choice_labels
        on typed.custom_field_value_id = choice_labels.custom_field_value_id

)

select * from named
