{#-
    The text without leading and trailing blanks: the space and the other Unicode space
    separators (no-break space U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000), not tabs or
    line breaks. That is what DuckDB's one-argument trim() removes; PostgreSQL's removes the
    space alone, so the project names the characters and both engines trim the same.
-#}
{% macro trim_blanks(expression) -%}
    {%- set blanks = [160, 5760] + range(8192, 8203) | list + [8239, 8287, 12288] -%}
    trim({{ expression }}, ' '{% for code in blanks %} || chr({{ code }}){% endfor %})
{%- endmacro %}
