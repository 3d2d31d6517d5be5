{#-
    DOMAIN.md §2: a person's scheduled hours on a weekday = their Kantata workweek's
    minutes for that ISO weekday / 60; with no workweek, FTE × 8 on Mon–Fri, else 0.
    The one place this rule lives: past capacity (utilization) and future capacity
    (forecast) both call it.
-#}
{% macro workweek_hours(iso_day_of_week, workweeks, fte) -%}
    case
        when {{ workweeks }}.workweek_id is not null
            then cast(
                case {{ iso_day_of_week }}
                    when 1 then {{ workweeks }}.monday_minutes
                    when 2 then {{ workweeks }}.tuesday_minutes
                    when 3 then {{ workweeks }}.wednesday_minutes
                    when 4 then {{ workweeks }}.thursday_minutes
                    when 5 then {{ workweeks }}.friday_minutes
                    when 6 then {{ workweeks }}.saturday_minutes
                    when 7 then {{ workweeks }}.sunday_minutes
                end as {{ type_double() }}
            ) / 60
        when {{ iso_day_of_week }} <= 5 then {{ fte }} * 8
        else 0
    end
{%- endmacro %}
