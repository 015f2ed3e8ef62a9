{#-
    An aggregate: the group's rows as an ordered list of records, each with the named fields
    (`fields`: a mapping of field name to SQL expression), in the order `order_by` (SQL). Read a
    field with macro record_field, pick a record with macro first_record_where. DuckDB: a list of
    structs; PostgreSQL: a jsonb array of objects.
-#}
{% macro record_list(fields, order_by) -%}
    {{ return(adapter.dispatch('record_list', 'styringsoverblik')(fields, order_by)) }}
{%- endmacro %}
