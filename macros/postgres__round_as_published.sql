{#- PostgreSQL: macro round_as_published, the value as a numeric rounded to 9, then `digits` decimals. -#}
{% macro postgres__round_as_published(expression, digits) -%}
    round(round(cast({{ expression }} as numeric), 9), {{ digits }})
{%- endmacro %}
