{#- DuckDB: macro record_field, the struct's field (its own type). -#}
{% macro duckdb__record_field(record, name, data_type) -%}
    {{ record }}['{{ name }}']
{%- endmacro %}
