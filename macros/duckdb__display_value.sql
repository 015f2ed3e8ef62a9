{#- DuckDB: macro display_value, one character at a time through a list lambda. -#}
{% macro duckdb__display_value(expression, max_chars=200) -%}
    {%- set value = "cast(" ~ expression ~ " as varchar)" -%}
    {%- set head = "left(" ~ value ~ ", " ~ max_chars ~ ")" -%}
    {%- set controls = "'[\\x00-\\x1f\\x7f-\\x9f\\x{2028}-\\x{202e}\\x{2066}-\\x{2069}]'" -%}
    case
        when {{ value }} is null then null
        else
            case
                when regexp_matches({{ head }}, {{ controls }})
                    then array_to_string(list_transform(string_split({{ head }}, ''), lambda display_char: case
                        when display_char = chr(10) then '\n'
                        when display_char = chr(13) then '\r'
                        when display_char = chr(9) then '\t'
                        when ord(display_char) < 256 and regexp_matches(display_char, {{ controls }})
                            then '\x' || lpad(lower(to_hex(ord(display_char))), 2, '0')
                        when regexp_matches(display_char, {{ controls }})
                            then '\u' || lpad(lower(to_hex(ord(display_char))), 4, '0')
                        else display_char
                    end), '')
                else {{ head }}
            end
            || case
                when length({{ value }}) > {{ max_chars }} then '… (' || length({{ value }}) || ' characters)'
                else ''
            end
    end
{%- endmacro %}
