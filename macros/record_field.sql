{#-
    A field of a record made by macro record_list (or picked by first_record_where), as
    `data_type` (the type the field was built from: DuckDB keeps it in the struct, PostgreSQL
    reads the jsonb value as text and casts it). NULL when the record is NULL.
-#}
{% macro record_field(record, name, data_type) -%}
    {{ return(adapter.dispatch('record_field', 'styringsoverblik')(record, name, data_type)) }}
{%- endmacro %}
