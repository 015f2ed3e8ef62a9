{#- PostgreSQL: macro code_point_order, the expression in the "C" collation (code point order in UTF-8). -#}
{% macro postgres__code_point_order(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
