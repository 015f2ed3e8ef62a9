{#- Quote a Python/Jinja string as a SQL string literal ('it''s'). -#}
{% macro sql_string_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
