{#- DuckDB: macro integer_as_written, digits alone (nothing left after ltrim of the digits), then
    try_cast (NULL beyond an integer). -#}
{% macro duckdb__integer_as_written(expression) -%}
    case
        when ltrim({{ trim_blanks(expression) }}, '0123456789') = ''
            then try_cast({{ trim_blanks(expression) }} as integer)
    end
{%- endmacro %}
