{#- DuckDB: macro first_record_where, list_filter(...)[1]. -#}
{% macro duckdb__first_record_where(records, variable, condition) -%}
    list_filter({{ records }}, lambda {{ variable }}: {{ condition }})[1]
{%- endmacro %}
