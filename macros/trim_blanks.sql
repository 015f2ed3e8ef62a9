{#-
    The text without leading and trailing blanks: the space and the other Unicode space
    separators (no-break space U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000), not tabs or
    line breaks. That is what DuckDB's one-argument trim() removes; PostgreSQL's removes the
    space alone, so there the characters are named. Dispatched.
-#}
{% macro trim_blanks(expression) -%}
    {{ return(adapter.dispatch('trim_blanks', 'styringsoverblik')(expression)) }}
{%- endmacro %}
