{#- DuckDB: macro code_point_order, the expression itself (DuckDB's collation is binary). -#}
{% macro duckdb__code_point_order(expression) -%}
    {{ expression }}
{%- endmacro %}
