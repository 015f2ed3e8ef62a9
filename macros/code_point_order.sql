{#-
    A text expression to sort by, in Unicode code point order (the order Python sorts names in,
    and so the order the response files are read in), whatever the database's collation: a
    PostgreSQL database may sort the Danish way ('aa' as 'å', after 'z'; case second), DuckDB
    sorts by code point. Use it wherever an order of text decides a result.
-#}
{% macro code_point_order(expression) -%}
    {{ return(adapter.dispatch('code_point_order', 'styringsoverblik')(expression)) }}
{%- endmacro %}
