{#- PostgreSQL: macro record_list, jsonb_agg(jsonb_build_object(...) order by ...). -#}
{% macro postgres__record_list(fields, order_by) -%}
    jsonb_agg(
        jsonb_build_object(
            {%- for name, expression in fields.items() %}
            '{{ name }}', {{ expression }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        order by {{ order_by }}
    )
{%- endmacro %}
