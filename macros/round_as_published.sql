{#-
    A double rounded the way a published figure is read: floating-point noise first rounded
    away at 9 decimals (a gain of 2.05 computed as 2.0499999999 is 2.05), then the decimal number
    rounded to `digits` decimals, half away from zero (2.05 -> 2.1). A decimal/numeric value, on
    both engines the same: DuckDB's round(double, 1) would round the binary value 2.0499...
    of 2.05 down.
-#}
{% macro round_as_published(expression, digits) -%}
    {{ return(adapter.dispatch('round_as_published', 'styringsoverblik')(expression, digits)) }}
{%- endmacro %}
