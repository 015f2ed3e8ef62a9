{#- DuckDB: macro trim_blanks, DuckDB's one-argument trim() (it removes exactly these blanks). -#}
{% macro duckdb__trim_blanks(expression) -%}
    trim({{ expression }})
{%- endmacro %}
