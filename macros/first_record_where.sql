{#-
    The first record of a list made by macro record_list (in the list's order) for which
    `condition` holds, or NULL (also for a NULL list). In `condition`, `variable` names the record
    (read its fields with macro record_field); it may refer to columns of the query around it.
    DuckDB: list_filter with a lambda; PostgreSQL: a subquery over the jsonb array's elements.
-#}
{% macro first_record_where(records, variable, condition) -%}
    {{ return(adapter.dispatch('first_record_where', 'styringsoverblik')(records, variable, condition)) }}
{%- endmacro %}
