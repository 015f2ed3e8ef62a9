{#-
    A double rounded to `digits` decimals for comparing and ordering (equal means summed in
    another order tie): DuckDB rounds the double itself; PostgreSQL has no round(double, n), so
    there it rounds the value as a numeric (its 15 significant digits). Both agree except for a
    value within 1e-15 of a tie at the last digit.
-#}
{% macro round_double(expression, digits) -%}
    {{ return(adapter.dispatch('round_double', 'styringsoverblik')(expression, digits)) }}
{%- endmacro %}
