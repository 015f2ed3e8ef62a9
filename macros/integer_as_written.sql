{#-
    A code or number as written in an input file, as an integer: the text is an integer only when
    it is ASCII digits alone, blanks around them allowed (macro trim_blanks: ' 101 ', and leading
    zeros: '0101'), and the number fits an integer (at most 2147483647); anything else ('101.0',
    '1e2', '0x10', '+5', '-1', '1_000', '1 000', a tab, '١٠١', '') is NULL, so the row is rejected
    with its value as written. The same on every engine: DuckDB's try_cast alone would accept
    '101.0', '1e2', '0x10' and '1_000', PostgreSQL's cast raises on them. Dispatched: a regular
    digits-only test decides, then DuckDB's try_cast or PostgreSQL's cast (through bigint) converts.
-#}
{% macro integer_as_written(expression) -%}
    {{ return(adapter.dispatch('integer_as_written', 'styringsoverblik')(expression)) }}
{%- endmacro %}
