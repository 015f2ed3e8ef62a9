{#-
    A code or number as written in an input file, as an integer: the text is an integer only when
    it is ASCII digits alone, possibly surrounded by spaces (' 101 ', '0101'); anything else
    ('101.0', '1e2', '0x10', '+5', '-1', '1 000', '١٠١', '') and a number beyond nine digits
    (leading zeros aside) is NULL, so the row is rejected with its value as written. The same on
    every engine: DuckDB's try_cast accepts '101.0', '1e2' and '0x10', PostgreSQL's cast raises on
    them, so neither is used. Plain SQL (translate, ltrim), no regular expression.
-#}
{% macro integer_as_written(expression) -%}
    case
        when
            {{ trim_blanks(expression) }} != ''
            and translate({{ trim_blanks(expression) }}, '0123456789', '') = ''
            and length(ltrim({{ trim_blanks(expression) }}, '0')) <= 9
            then cast({{ trim_blanks(expression) }} as integer)
    end
{%- endmacro %}
