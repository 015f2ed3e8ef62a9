{#-
    A message template of seeds/reference/reject_reasons.csv with its placeholders filled:
    `{name}` is replaced by the SQL expression placeholders[name] ('' when NULL).
-#}
{% macro fill_message_template(template, placeholders) -%}
    {%- set ns = namespace(sql=template) -%}
    {%- for name, expression in placeholders.items() -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '{" ~ name ~ "}', coalesce(cast(" ~ expression ~ " as varchar), ''))" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
