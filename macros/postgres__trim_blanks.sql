{#- PostgreSQL: macro trim_blanks, trim() with the blanks named (its one-argument trim() removes spaces only). -#}
{% macro postgres__trim_blanks(expression) -%}
    {%- set blanks = [160, 5760] + range(8192, 8203) | list + [8239, 8287, 12288] -%}
    trim({{ expression }}, ' '{% for code in blanks %} || chr({{ code }}){% endfor %})
{%- endmacro %}
