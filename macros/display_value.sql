{#-
    A value from an input file made safe to show in a message (a terminal, a log, a report):
    control characters (C0, DEL, C1, the line and paragraph separators U+2028/U+2029, the
    bidirectional controls U+202A-U+202E and U+2066-U+2069) escaped as `\n`, `\r`, `\t`,
    `\x1b` or `\u202e`, and a value longer than max_chars cut there with its full length
    stated: `abc… (100000 characters)`. NULL stays NULL. The Python loader shows values the
    same way (styringsoverblik.display). Characters are escaped one by one only when the value
    holds a control character (a cheap regexp test first).
-#}
{% macro display_value(expression, max_chars=200) -%}
    {{ return(adapter.dispatch('display_value', 'styringsoverblik')(expression, max_chars)) }}
{%- endmacro %}
