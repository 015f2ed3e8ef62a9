{#- DuckDB: macro round_double, DuckDB's round(double, n). -#}
{% macro duckdb__round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}
