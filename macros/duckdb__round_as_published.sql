{#- DuckDB: macro round_as_published, the 9-decimal double as a decimal, rounded. -#}
{% macro duckdb__round_as_published(expression, digits) -%}
    round(cast(round({{ expression }}, 9) as decimal(38, 9)), {{ digits }})
{%- endmacro %}
