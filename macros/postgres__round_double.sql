{#- PostgreSQL: macro round_double, round(numeric, n) of the value as a numeric. -#}
{% macro postgres__round_double(expression, digits) -%}
    round(cast({{ expression }} as numeric), {{ digits }})
{%- endmacro %}
