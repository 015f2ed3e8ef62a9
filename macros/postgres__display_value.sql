{#- PostgreSQL: macro display_value, one character at a time through a subquery over the
    value's characters (string_to_array with a NULL delimiter), in their order. PostgreSQL text
    never holds NUL, so the class starts at U+0001. -#}
{% macro postgres__display_value(expression, max_chars=200) -%}
    {%- set value = "cast(" ~ expression ~ " as varchar)" -%}
    {%- set head = "left(" ~ value ~ ", " ~ max_chars ~ ")" -%}
    {%- set controls = "'[\\x01-\\x1f\\x7f-\\x9f\\u2028-\\u202e\\u2066-\\u2069]'" -%}
    case
        when {{ value }} is null then null
        else
            case
                when {{ head }} ~ {{ controls }}
                    then (
                        select
                            string_agg(
                                case
                                    when display_chars.display_char = chr(10) then '\n'
                                    when display_chars.display_char = chr(13) then '\r'
                                    when display_chars.display_char = chr(9) then '\t'
                                    when ascii(display_chars.display_char) < 256 and display_chars.display_char ~ {{ controls }}
                                        then '\x' || lpad(lower(to_hex(ascii(display_chars.display_char))), 2, '0')
                                    when display_chars.display_char ~ {{ controls }}
                                        then '\u' || lpad(lower(to_hex(ascii(display_chars.display_char))), 4, '0')
                                    else display_chars.display_char
                                end,
                                '' order by display_chars.display_position
                            )
                        from unnest(string_to_array({{ head }}, null)) with ordinality as display_chars (display_char, display_position)
                    )
                else {{ head }}
            end
            || case
                when length({{ value }}) > {{ max_chars }} then '… (' || length({{ value }}) || ' characters)'
                else ''
            end
    end
{%- endmacro %}
