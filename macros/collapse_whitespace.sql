{#-
    Every run of whitespace (space, tab, line feed, form feed, carriage return) made one space.
    The class is written out: it is what DuckDB's `\s` (RE2) matches, while PostgreSQL's `\s`
    also matches the vertical tab and, under a UTF-8 locale, other Unicode spaces.
-#}
{% macro collapse_whitespace(expression) -%}
    regexp_replace({{ expression }}, '[ \t\n\f\r]+', ' ', 'g')
{%- endmacro %}
