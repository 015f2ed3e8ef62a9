{#- PostgreSQL: macro first_record_where, the first element (with ordinality) where the
    condition holds; not evaluated at all for a NULL list. -#}
{% macro postgres__first_record_where(records, variable, condition) -%}
    case
        when {{ records }} is not null then (
            select list_elements.{{ variable }}
            from jsonb_array_elements({{ records }}) with ordinality as list_elements ({{ variable }}, list_position)
            where {{ condition }}
            order by list_elements.list_position
            limit 1
        )
    end
{%- endmacro %}
