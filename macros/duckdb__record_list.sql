{#- DuckDB: macro record_list, list(struct_pack(...) order by ...). -#}
{% macro duckdb__record_list(fields, order_by) -%}
    list(
        struct_pack(
            {%- for name, expression in fields.items() %}
            {{ name }} := {{ expression }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        order by {{ order_by }}
    )
{%- endmacro %}
