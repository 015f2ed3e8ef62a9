{#- PostgreSQL: macro record_field, the jsonb object's value as text, cast to data_type. -#}
{% macro postgres__record_field(record, name, data_type) -%}
    cast({{ record }} ->> '{{ name }}' as {{ data_type }})
{%- endmacro %}
